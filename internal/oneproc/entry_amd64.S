//go:build linux

/*
 * hullentry: hull's ELF entry point (see oneproc_amd64.c). At entry %rsp points
 * at argc and is 16-byte aligned; %rdx holds the dynamic loader's finaliser
 * for a dynamically linked hull, which libc's _start passes on.
 */
	.section .text.startup,"ax",@progbits
	.globl	hullentry
	.type	hullentry, @function
hullentry:
	xor	%ebp, %ebp
	mov	%rdx, %r12		/* callee-saved across the calls */
	mov	%rsp, %rbx		/* the kernel's block */
	mov	%rsp, %rdi
	call	hull_pin
	mov	%rbx, %rdi
	call	hull_block_words
	test	%rax, %rax
	jz	1f
	lea	16(,%rax,8), %rcx	/* the copy ends below the kernel's block */
	mov	%rbx, %rsp
	sub	%rcx, %rsp
	and	$-16, %rsp
	mov	%rsp, %rdi
	mov	%rbx, %rsi
	call	hull_block_fill
	mov	%r12, %rdx
	jmp	_start
1:	mov	%rbx, %rsp
	mov	%r12, %rdx
	jmp	_start
	.size	hullentry, .-hullentry
	.section .note.GNU-stack,"",@progbits
