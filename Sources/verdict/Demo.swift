import ArgumentParser
import VerdictCore

extension Verdict {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not yet available)")
        func run() throws { throw ExitCode(1) }
    }
}
