// SPDX-License-Identifier: Apache-2.0
/* scorch render: placeholder until its module lands; replaced by the module's owner. */
#include "cli/cli.h"

int cmd_render(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("'render' is not built yet");
	return 1;
}
