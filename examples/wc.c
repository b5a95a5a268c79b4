/*
 * wc.c - counts lines, words and bytes of standard input (read through
 * stdio, i.e. the read syscall in chunks) and prints them with a checksum.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
	long lines = 0, words = 0, bytes = 0;
	uint32_t sum = 0;
	int in_word = 0, c;
	while ((c = getchar()) != EOF) {
		bytes++;
		sum = sum * 31 + (uint32_t)c;
		if (c == '\n')
			lines++;
		if (isspace(c)) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			words++;
		}
	}
	printf("lines=%ld words=%ld bytes=%ld checksum=%08lx\n", lines, words, bytes,
	       (unsigned long)sum);
	return 0;
}
