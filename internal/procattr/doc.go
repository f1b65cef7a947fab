// Package procattr applies the per-process attributes of an OCI spec that
// are one syscall each: personality, scheduler, I/O priority, NUMA memory
// policy and the AppArmor exec profile.
//
// Each call acts on the calling thread (and so, through execve, on the
// container process): the container init must run them on its locked OS
// thread, the one that later calls execve. A nil argument is a no-op. Errors
// name the spec field they come from.
package procattr
