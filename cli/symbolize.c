// SPDX-License-Identifier: Apache-2.0
/* scorch symbolize: placeholder until its module lands; replaced by the module's owner. */
#include "cli/cli.h"

int cmd_symbolize(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'symbolize' is not built yet");
	return 1;
}
