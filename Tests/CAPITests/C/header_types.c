/* The headers compile as C11 and C++17 with every warning, and Windows' types have Windows'
 * sizes (LLP64: LONG and DWORD are 32 bits, WCHAR is UTF-16). */
#include <hivekeeper/winreg.h>
#include <hivekeeper/offreg.h>
#include <stdio.h>

#ifdef __cplusplus
#define STATIC_CHECK static_assert
#else
#define STATIC_CHECK _Static_assert
#endif

STATIC_CHECK(sizeof(DWORD) == 4, "DWORD is 32 bits");
STATIC_CHECK(sizeof(LONG) == 4, "LONG is 32 bits, as on 64-bit Windows");
STATIC_CHECK(sizeof(LSTATUS) == 4, "LSTATUS is a LONG");
STATIC_CHECK(sizeof(WCHAR) == 2, "WCHAR is one UTF-16 code unit");
STATIC_CHECK(sizeof(FILETIME) == 8, "FILETIME is two DWORDs");
STATIC_CHECK(offsetof(FILETIME, dwHighDateTime) == 4, "FILETIME's low half comes first");

int main(void) {
    static const WCHAR name[] = u"Software";
    printf("%zu %ld\n", sizeof name / sizeof name[0], (long)ERROR_MORE_DATA);
    return 0;
}
