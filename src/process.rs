//! Process-wide settings made once at start, before any thread (`mizan serve`, and the
//! benchmarks that stand for it).

/// Each password check allocates 19 MiB. glibc raises its mmap threshold after the first such
/// block is freed and then serves the next ones from heaps it keeps: 14 checks in a row left
/// 300 MB resident although only two ran at once. A fixed threshold makes blocks this large
/// mapped and returned to the system when freed.
pub fn map_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const THRESHOLD: libc::c_int = 4 * 1024 * 1024;
        // SAFETY: mallopt only sets an allocator tunable; it is called before the runtime
        // starts any thread, and a refusal (return 0) just leaves the default.
        let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD) };
    }
}
