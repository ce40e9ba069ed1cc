import CHivekeeper
import RegistryTypes
import Testing
import TestSupport

@Suite struct HeaderTests {
    @Test func theHeadersCompileAsCAndCPlusPlusWithWindowsSizes() throws {
        // One source, compiled as C and (with -x c++) as C++.
        for (compiler, flags, file) in [("cc", ["-std=c11"], "header_types.c"), ("c++", ["-x", "c++", "-std=c++17"], "header_types.c")] {
            let program = try CLibrary.compile([file], compiler: compiler, flags: flags, output: "header_types")
            let run = try runProgram(program.path, [])
            #expect(run.status == 0, "\(file): \(run.errText)")
            #expect(run.outText == "9 234\n", "\(file)")  // u"Software" is 8 units and its NUL
        }
    }

    /// The header's error codes are the ones the Swift side returns, name for name.
    @Test func theHeadersErrorCodesAreWin32Errors() {
        let codes: [(Int, Win32Error)] = [
            (ERROR_SUCCESS, .success), (ERROR_FILE_NOT_FOUND, .fileNotFound), (ERROR_ACCESS_DENIED, .accessDenied),
            (ERROR_INVALID_HANDLE, .invalidHandle), (ERROR_NOT_ENOUGH_MEMORY, .notEnoughMemory),
            (ERROR_SHARING_VIOLATION, .sharingViolation), (ERROR_INVALID_PARAMETER, .invalidParameter),
            (ERROR_BAD_PATHNAME, .badPathname), (ERROR_ALREADY_EXISTS, .alreadyExists), (ERROR_MORE_DATA, .moreData),
            (ERROR_NO_MORE_ITEMS, .noMoreItems), (ERROR_BADDB, .badDatabase), (ERROR_REGISTRY_CORRUPT, .registryCorrupt),
            (ERROR_REGISTRY_IO_FAILED, .registryIOFailed), (ERROR_NOT_REGISTRY_FILE, .notRegistryFile),
            (ERROR_KEY_DELETED, .keyDeleted), (ERROR_KEY_HAS_CHILDREN, .keyHasChildren),
            (ERROR_CHILD_MUST_BE_VOLATILE, .childMustBeVolatile), (ERROR_PRIVILEGE_NOT_HELD, .privilegeNotHeld),
            (ERROR_NO_SUCH_LOGON_SESSION, .noSuchLogonSession), (ERROR_NONE_MAPPED, .noneMapped),
            (ERROR_NOT_ENOUGH_QUOTA, .notEnoughQuota), (ERROR_GEN_FAILURE, .generalFailure), (RPC_S_SERVER_UNAVAILABLE, .serverUnavailable), (RPC_S_CALL_FAILED, .callFailed),
        ]
        for (c, swift) in codes {
            #expect(UInt32(c) == swift.rawValue, "\(swift)")
        }
    }
}
