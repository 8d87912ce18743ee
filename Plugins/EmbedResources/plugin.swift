import Foundation
import PackagePlugin

/// Compiles the query files (Queries/, Queries/checks/) and report templates (Reports/) into
/// the target it is applied to, as `Embedded.queries`, `Embedded.checks`,
/// `Embedded.templates` (report.md) and `Embedded.pages` (report.html, `NAME.html.mustache`). It runs on every build, so an edited query is in the next binary
/// with nothing to regenerate by hand.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL
        var inputs: [URL] = []
        for (folder, suffix) in [("Queries", ".sql"), ("Queries/checks", ".sql"), ("Reports", ".mustache")] {
            let dir = root.appending(path: folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            inputs += names.filter { $0.hasSuffix(suffix) }.sorted().map { dir.appending(path: $0) }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "Embedded.swift")
        return [
            .buildCommand(
                displayName: "Embedding queries and report templates",
                executable: try context.tool(named: "verdict-embed").url,
                arguments: [root.path, output.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
