/* offreg.dll's offline registry functions (offreg.h) on hive files, in process: docs/c-api.md,
 * "The offline API (offreg.h)". W-only, as Microsoft's; every function is safe from any thread.
 * A hive is read into memory when opened (a dirty hive brought up to date from its logs first);
 * changes stay in memory until ORSaveHive writes a new file. */
#ifndef HIVEKEEPER_OFFREG_H
#define HIVEKEEPER_OFFREG_H

#include "wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An open offline hive (its root key) or key. A closed or unknown handle is
 * ERROR_INVALID_HANDLE, never a crash. */
typedef PVOID ORHKEY;
typedef ORHKEY *PORHKEY;

/* Windows' values, also in winreg.h: each defined here only when not already defined. */
#ifndef REG_NONE
#define REG_NONE 0
#endif
#ifndef REG_SZ
#define REG_SZ 1
#endif
#ifndef REG_EXPAND_SZ
#define REG_EXPAND_SZ 2
#endif
#ifndef REG_BINARY
#define REG_BINARY 3
#endif
#ifndef REG_DWORD
#define REG_DWORD 4
#endif
#ifndef REG_DWORD_LITTLE_ENDIAN
#define REG_DWORD_LITTLE_ENDIAN 4
#endif
#ifndef REG_DWORD_BIG_ENDIAN
#define REG_DWORD_BIG_ENDIAN 5
#endif
#ifndef REG_LINK
#define REG_LINK 6
#endif
#ifndef REG_MULTI_SZ
#define REG_MULTI_SZ 7
#endif
#ifndef REG_RESOURCE_LIST
#define REG_RESOURCE_LIST 8
#endif
#ifndef REG_FULL_RESOURCE_DESCRIPTOR
#define REG_FULL_RESOURCE_DESCRIPTOR 9
#endif
#ifndef REG_RESOURCE_REQUIREMENTS_LIST
#define REG_RESOURCE_REQUIREMENTS_LIST 10
#endif
#ifndef REG_QWORD
#define REG_QWORD 11
#endif
#ifndef REG_QWORD_LITTLE_ENDIAN
#define REG_QWORD_LITTLE_ENDIAN 11
#endif
#ifndef REG_OPTION_NON_VOLATILE
#define REG_OPTION_NON_VOLATILE 0x00000000L
#endif
#ifndef REG_OPTION_VOLATILE
#define REG_OPTION_VOLATILE 0x00000001L
#endif
#ifndef REG_OPTION_CREATE_LINK
#define REG_OPTION_CREATE_LINK 0x00000002L
#endif
#ifndef REG_CREATED_NEW_KEY
#define REG_CREATED_NEW_KEY 0x00000001L
#endif
#ifndef REG_OPENED_EXISTING_KEY
#define REG_OPENED_EXISTING_KEY 0x00000002L
#endif
#ifndef ERROR_NOT_FOUND
#define ERROR_NOT_FOUND 1168L
#endif
#ifndef ERROR_NOACCESS
#define ERROR_NOACCESS 998L
#endif
#ifndef ERROR_INVALID_SECURITY_DESCR
#define ERROR_INVALID_SECURITY_DESCR 1338L
#endif

/* offreg.dll exports these (its pages do not document them); there is nothing to set up or tear
 * down here, so both only succeed. */
DWORD ORStart(void);
DWORD ORShutdown(void);
/* 1.0, the offline registry library version this one implements. */
void ORGetVersion(PDWORD pdwMajorVersion, PDWORD pdwMinorVersion);

/* A new, empty hive in memory (root "ROOT"), and an existing hive file read into memory. */
DWORD ORCreateHive(PORHKEY phkResult);
DWORD OROpenHive(PCWSTR lpHivePath, PORHKEY phkResult);
/* The HANDLE is a file descriptor open for reading, cast: (HANDLE)(intptr_t)fd. The library
 * reads the whole file through it (from offset 0, leaving its file offset alone) and does not
 * close it. */
DWORD OROpenHiveByHandle(HANDLE FileHandle, PORHKEY phkResult);
/* Closes the hive and every key handle opened in it; unsaved changes are dropped. */
DWORD ORCloseHive(ORHKEY Handle);
/* Writes the hive to a new file (an existing one: ERROR_ALREADY_EXISTS), crash-safely: written
 * beside it under another name, flushed to disk, then linked in under its own. Versions 5.1 and
 * 5.2 write format 1.3; 6.0 to 6.3 and 10.0 write 1.5; others are ERROR_INVALID_PARAMETER. */
DWORD ORSaveHive(ORHKEY Handle, PCWSTR lpHivePath, DWORD dwOsMajorVersion, DWORD dwOsMinorVersion);

DWORD OROpenKey(ORHKEY Handle, PCWSTR lpSubKeyName, PORHKEY phkResult);
DWORD ORCreateKey(ORHKEY Handle, PCWSTR lpSubKey, PWSTR lpClass, DWORD dwOptions,
                  PSECURITY_DESCRIPTOR pSecurityDescriptor, PORHKEY phkResult, PDWORD pdwDisposition);
DWORD ORCloseKey(ORHKEY Handle);
DWORD ORDeleteKey(ORHKEY Handle, PCWSTR lpSubKey);
DWORD ORRenameKey(ORHKEY Handle, PCWSTR lpNewName);

DWORD OREnumKey(ORHKEY Handle, DWORD dwIndex, PWSTR lpName, PDWORD lpcName, PWSTR lpClass,
                PDWORD lpcClass, PFILETIME lpftLastWriteTime);
DWORD ORQueryInfoKey(ORHKEY Handle, PWSTR lpClass, PDWORD lpcClass, PDWORD lpcSubKeys,
                     PDWORD lpcMaxSubKeyLen, PDWORD lpcMaxClassLen, PDWORD lpcValues,
                     PDWORD lpcMaxValueNameLen, PDWORD lpcMaxValueLen, PDWORD lpcbSecurityDescriptor,
                     PFILETIME lpftLastWriteTime);

DWORD OREnumValue(ORHKEY Handle, DWORD dwIndex, PWSTR lpValueName, PDWORD lpcValueName,
                  PDWORD lpType, PBYTE lpData, PDWORD lpcbData);
DWORD ORGetValue(ORHKEY Handle, PCWSTR lpSubKey, PCWSTR lpValue, PDWORD pdwType, PVOID pvData,
                 PDWORD pcbData);
DWORD ORSetValue(ORHKEY Handle, PCWSTR lpValueName, DWORD dwType, const BYTE *lpData, DWORD cbData);
DWORD ORDeleteValue(ORHKEY Handle, PCWSTR lpValueName);

DWORD ORGetKeySecurity(ORHKEY Handle, SECURITY_INFORMATION SecurityInformation,
                       PSECURITY_DESCRIPTOR pSecurityDescriptor, PDWORD lpcbSecurityDescriptor);
DWORD ORSetKeySecurity(ORHKEY Handle, SECURITY_INFORMATION SecurityInformation,
                       PSECURITY_DESCRIPTOR pSecurityDescriptor);

#ifdef __cplusplus
}
#endif

#endif /* HIVEKEEPER_OFFREG_H */
