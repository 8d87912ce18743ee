public enum VerdictVersion { public static let string = "0.1.0" }
