#if canImport(Glibc)
import Glibc
#endif
import POSIX
import TestSupport
import Testing

/// `Heap` against the real glibc allocator of this process: the settings are taken, and memory
/// freed between live blocks (where a page's buffers end up, and where glibc's own trimming of
/// the heap's top never reaches) goes back to the kernel.
@Suite(.serialized)
struct HeapTests {
    @Test func settingsAreTakenAndFreedMemoryBetweenLiveBlocksGoesBack() throws {
        #expect(Heap.configure() == [], "glibc takes M_ARENA_MAX, M_MMAP_THRESHOLD and M_TRIM_THRESHOLD")
        // 2,048 blocks of 32 KiB (64 MiB), below glibc's mmap threshold so they live in the heap,
        // each written so its pages are resident.
        let size = 32 * 1024
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<2048 {
            let block = try #require(malloc(size), "malloc of 32 KiB")
            memset(block, 0xA5, size)
            blocks.append(block)
        }
        let filled = try #require(residentKiB(pid: getpid()))
        // Keep one block in 64: the free space lies between live blocks.
        for (index, block) in blocks.enumerated() where index % 64 != 0 { free(block) }
        let freed = try #require(residentKiB(pid: getpid()))
        Heap.returnFreeMemory()
        let trimmed = try #require(residentKiB(pid: getpid()))
        for (index, block) in blocks.enumerated() where index % 64 == 0 { free(block) }
        print("HeapTests: resident \(filled) KiB filled, \(freed) KiB after free, \(trimmed) KiB after Heap.returnFreeMemory()")
        // 62 MiB were freed. Other suites of this process allocate meanwhile, hence the margins.
        #expect(filled - freed < 16 * 1024, "free alone leaves them resident: the case the give-back is for")
        #expect(freed - trimmed > 40 * 1024, "given back: \(freed - trimmed) KiB of 62 MiB freed")
    }
}
