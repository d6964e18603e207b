#ifndef FERRY_CARGON2_SHIM_H
#define FERRY_CARGON2_SHIM_H

// Argon2 (Debian's libargon2), for the passphrases of PuTTY key files of version 3.
#include <argon2.h>

#endif
