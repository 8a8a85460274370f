/* main.c — placeholder entry point until the front-ends land; replaced by the CLI dispatcher. */
#include <stdio.h>

int main(void)
{
	puts("lorascope");
	return 0;
}
