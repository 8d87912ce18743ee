import Testing
@testable import VerdictCore
