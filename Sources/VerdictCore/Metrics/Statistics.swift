import Foundation

/// The statistics SQL does poorly: confidence intervals, significance, percentiles.
public enum Statistics {
    /// Wilson score interval for `successes` out of `n` at 95% (z = 1.96); nil when n = 0.
    public static func wilson(successes: Int, n: Int, z: Double = 1.959963984540054) -> (low: Double, high: Double)? {
        guard n > 0 else { return nil }
        let p = Double(successes) / Double(n)
        let nn = Double(n)
        let denom = 1 + z * z / nn
        let centre = (p + z * z / (2 * nn)) / denom
        let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / denom
        return (max(0, centre - half), min(1, centre + half))
    }

    /// Two-proportion z-test (pooled): is x1/n1 different from x2/n2?
    /// Returns z and the two-sided p-value; nil when either sample is empty or the
    /// pooled rate is 0 or 1 (no variance to test against).
    public static func twoProportionZTest(x1: Int, n1: Int, x2: Int, n2: Int) -> (z: Double, p: Double)? {
        guard n1 > 0, n2 > 0 else { return nil }
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2)
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        guard se > 0 else { return nil }
        let z = (p1 - p2) / se
        return (z, erfc(abs(z) / 2.0.squareRoot()))
    }

    /// Linear interpolation between closest ranks: h = (n - 1) p over sorted values
    /// (numpy's default, R type 7). nil for an empty list.
    public static func percentile(sorted values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let h = Double(values.count - 1) * p
        let lo = Int(h)
        let hi = min(lo + 1, values.count - 1)
        return values[lo] + (h - Double(lo)) * (values[hi] - values[lo])
    }

    /// Below this many completed transactions a rate is flagged as a small sample.
    public static let smallSample = 30

    /// A change is called significant when the z-test's p-value is below this.
    public static let significanceLevel = 0.05
}
