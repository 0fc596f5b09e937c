#ifndef MDCA_CMALLOC_SHIM_H
#define MDCA_CMALLOC_SHIM_H

// glibc's allocator controls (mallopt, malloc_trim and the M_* parameters), which Swift's
// Glibc module does not export. Imported only by POSIX's Heap.swift.
#include <malloc.h>

#endif
