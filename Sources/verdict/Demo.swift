import ArgumentParser
import Logging
import VerdictCore

extension Verdict {
    struct Demo: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sample logs -> database -> report, with no arguments: see what Verdict produces.",
            discussion: "Generates four weeks of synthetic logs ending yesterday, ingests them, and reports the last complete week.")

        @Option(help: ArgumentHelp("Directory for the logs, the database and the report.", valueName: "DIR")) var out = "verdict-demo"
        @OptionGroup var quiet: QuietOption

        func execute() throws(VerdictError) {
            let stdout = try OutputSink(path: nil)
            var failure: VerdictError?
            try DemoRun(directory: out, logger: Terminal.logger()).run { line in
                guard !Terminal.quiet else { return }
                do throws(VerdictError) { try stdout.write(line + "\n") } catch { failure = failure ?? error }
            }
            if let failure { throw failure }
            try stdout.close()
        }
    }
}
