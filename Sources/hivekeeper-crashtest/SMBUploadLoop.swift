import Foundation
import Profiles
import RoamingSMB

#if canImport(Glibc)
import Glibc
#endif

/// Uploads the FILEs to the SMB store as USER's NTUSER.DAT in turn, forever, printing
/// "uploaded I" (I: the file's index) after each upload returns and "failed REASON" when one
/// fails (it goes on: the server may come back). The parent kills it, or the server, at random
/// moments and checks that the share always holds one of the files whole.
func smbUploadLoop(_ args: [String]) async -> Never {
    guard args.count >= 4 else {
        say("usage: hivekeeper-crashtest smb-upload URL CREDENTIALS USER FILE...")
        exit(2)
    }
    let store: SMBStore
    do {
        store = try SMBStore(url: args[0], credentials: try SMBCredentials.load(file: args[1]), timeout: .seconds(5))
    } catch {
        say("error \(error)")
        exit(1)
    }
    let files = args.dropFirst(3).map { URL(fileURLWithPath: $0) }
    var i = 0
    while true {
        do {
            try await store.upload(args[2], from: files[i % files.count])
            say("uploaded \(i % files.count)")
        } catch {
            say("failed \(error)")
            usleep(50_000)
        }
        i += 1
    }
}
