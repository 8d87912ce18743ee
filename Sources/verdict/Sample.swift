import ArgumentParser
import VerdictCore

extension Verdict {
    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not yet available)")
        func run() throws { throw ExitCode(1) }
    }
}
