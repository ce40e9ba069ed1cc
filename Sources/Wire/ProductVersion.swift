/// The release both programs say with --version (with the wire protocol they speak, which is
/// what must match between a client and a daemon).
public enum ProductVersion {
    public static let release = "0.1.0"
    public static var text: String { "\(release) (wire protocol \(WireProtocol.version))" }
}
