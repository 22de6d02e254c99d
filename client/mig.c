/*-------------------------------------------------------------------------
 *
 * mig.c
 *	  The mig command: Alembic-style commands for mig_ext over libpq.
 *
 * mig [OPTION]... COMMAND [ARG]...  Connection options are those of every
 * PostgreSQL client (-h -p -U -d, the PG* variables); command options may
 * come before or after the command.  An argument that looks like a
 * negative number ("-1") is a relative target, as in Alembic, not an
 * option.  Exit status: 0 on success, 1 on an error, 2 on a usage error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "common/logging.h"
#include "getopt_long.h"

#include "mig.h"

/* Command options, as bits, to check them against the command. */
#define OPT_MESSAGE		(1 << 0)
#define OPT_DIR			(1 << 1)
#define OPT_REV_ID		(1 << 2)
#define OPT_HEAD		(1 << 3)
#define OPT_LABEL		(1 << 4)
#define OPT_DEPENDS		(1 << 5)
#define OPT_SQL			(1 << 6)
#define OPT_RANGE		(1 << 7)
#define OPT_INDICATE	(1 << 8)
#define OPT_PURGE		(1 << 9)
#define OPT_OUTPUT		(1 << 10)
#define OPT_FROM_DB		(1 << 11)	/* also: without it, no connection */

/* One command: its name, its options, how many positional arguments. */
typedef struct MigCommand
{
	const char *name;
	int			options;
	int			min_args;
	int			max_args;		/* -1: any number */
	void		(*run) (const MigArgs *a);
} MigCommand;

static void cmd_upgrade(const MigArgs *a);
static void cmd_downgrade(const MigArgs *a);

static const MigCommand commands[] = {
	{"load", OPT_DIR, 0, 1, mig_cmd_load},
	{"deploy", OPT_DIR, 0, 1, mig_cmd_deploy},
	{"revision", OPT_MESSAGE | OPT_DIR | OPT_REV_ID | OPT_HEAD | OPT_LABEL | OPT_DEPENDS | OPT_FROM_DB,
	0, 1, mig_cmd_revision},
	{"merge", OPT_MESSAGE | OPT_DIR | OPT_REV_ID | OPT_LABEL | OPT_FROM_DB, 0, -1, mig_cmd_merge},
	{"upgrade", OPT_SQL, 0, 1, cmd_upgrade},
	{"downgrade", OPT_SQL, 1, 1, cmd_downgrade},
	{"plan", 0, 0, 1, mig_cmd_plan},
	{"current", 0, 0, 0, mig_cmd_current},
	{"history", OPT_RANGE | OPT_INDICATE, 0, 0, mig_cmd_history},
	{"heads", 0, 0, 0, mig_cmd_heads},
	{"branches", 0, 0, 0, mig_cmd_branches},
	{"show", 0, 1, 1, mig_cmd_show},
	{"stamp", OPT_PURGE, 1, -1, mig_cmd_stamp},
	{"adopt-alembic", 0, 0, 1, mig_cmd_adopt},
	{"graph", OPT_OUTPUT, 0, 0, mig_cmd_graph},
	{"test", 0, 0, 1, mig_cmd_test},
	{"rehearse", 0, 0, 1, mig_cmd_rehearse},
};

/* The command options' names, for the message about a misplaced one. */
static const char *const option_names[] = {
	"-m/--message", "--dir", "--rev-id", "--head", "--branch-label", "--depends-on",
	"--sql", "-r/--rev-range", "-i/--indicate-current", "--purge", "-o/--output", "--from-db"
};

/* The options, of mig and of its commands. */
static const struct option long_options[] = {
	{"host", required_argument, NULL, 'h'},
	{"port", required_argument, NULL, 'p'},
	{"username", required_argument, NULL, 'U'},
	{"dbname", required_argument, NULL, 'd'},
	{"no-password", no_argument, NULL, 'w'},
	{"password", no_argument, NULL, 'W'},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, '?'},
	{"message", required_argument, NULL, 'm'},
	{"rev-range", required_argument, NULL, 'r'},
	{"indicate-current", no_argument, NULL, 'i'},
	{"output", required_argument, NULL, 'o'},
	{"schema", required_argument, NULL, 1},
	{"dir", required_argument, NULL, 2},
	{"rev-id", required_argument, NULL, 3},
	{"head", required_argument, NULL, 4},
	{"branch-label", required_argument, NULL, 5},
	{"depends-on", required_argument, NULL, 6},
	{"sql", no_argument, NULL, 7},
	{"purge", no_argument, NULL, 8},
	{"from-db", no_argument, NULL, 9},
	{NULL, 0, NULL, 0}
};

/* The short options; those followed by ":" take a value. */
static const char short_options[] = "h:p:U:d:wWvVm:r:io:";

/* Marks a relative target ("-1") so that getopt_long leaves it alone. */
#define RELATIVE_MARK '\x1f'

/* usage: the --help text. */
static void
usage(const char *progname)
{
	printf("%s deploys and inspects mig_ext migrations in a PostgreSQL database.\n\n", progname);
	printf("Usage:\n");
	printf("  %s [OPTION]... COMMAND [ARG]...\n", progname);
	printf("\nCommands:\n");
	printf("  load [DIR | --dir DIR]      register every DIR/*.sql revision file (default .)\n");
	printf("  deploy [--dir DIR] [TARGET] load DIR and upgrade to TARGET in one transaction\n"
		   "                              (with a non-transactional step: a transaction per step)\n");
	printf("  revision -m MSG [DIR] [--head REV] [--rev-id ID] [--branch-label L]\n");
	printf("           [--depends-on REV] [--from-db]\n");
	printf("                              write a new revision file on top of the head of DIR's files\n");
	printf("  merge -m MSG [--dir DIR] [--rev-id ID] [--branch-label L] [--from-db] [REV]...\n");
	printf("                              write a merge of REVs (default heads) of DIR's files\n");
	printf("                              (--from-db: of the database's revisions, and register it)\n");
	printf("  upgrade [TARGET] [--sql]    upgrade to TARGET (default head); --sql prints the script\n");
	printf("  downgrade TARGET [--sql]    downgrade to TARGET; --sql prints the script\n");
	printf("  plan [TARGET]               the steps a move to TARGET would take, run nothing\n");
	printf("  current                     the current revisions\n");
	printf("  history [-r RANGE] [-i]     the revisions, newest first; -i marks the current ones\n");
	printf("  heads                       the heads of the graph\n");
	printf("  branches                    the branch points\n");
	printf("  show REV                    one revision, with its bodies\n");
	printf("  stamp TARGET... [--purge]   set the version rows without running anything\n");
	printf("  adopt-alembic [TABLE]       stamp what an Alembic version table holds\n");
	printf("  graph [-o FILE]             the graph as Graphviz DOT (FILE.svg/.png/.pdf: drawn by dot)\n");
	printf("  test [TARGET]               upgrade, downgrade, upgrade again each revision up to TARGET\n");
	printf("                              (default heads), compare the schemas, roll back; 1 if a check fails\n");
	printf("  rehearse [TARGET]           upgrade to TARGET (default head) and roll back: each step's\n");
	printf("                              locks, rewrites and time; 1 if a step fails\n");
	printf("\nOptions:\n");
	printf("  --schema=SCHEMA             schema of the mig_ext extension (default: found in the catalog)\n");
	printf("  -v, --verbose               show the SQLSTATE of errors\n");
	printf("  -V, --version               output version information, then exit\n");
	printf("  -?, --help                  show this help, then exit\n");
	printf("\nConnection options:\n");
	printf("  -h, --host=HOSTNAME         database server host or socket directory\n");
	printf("  -p, --port=PORT             database server port\n");
	printf("  -U, --username=USERNAME     database user name\n");
	printf("  -d, --dbname=DBNAME         database name, connection string or URI\n");
	printf("  -w, --no-password           never prompt for password\n");
	printf("  -W, --password              force password prompt\n");
	printf("\nThe PG* environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...) apply.\n");
}

/* usage_error: a usage error: say why, point at --help, exit 2. */
static void
usage_error(const char *progname, const char *msg)
{
	pg_log_error("%s", msg);
	pg_log_error_hint("Try \"%s --help\" for more information.", progname);
	exit(2);
}

/* is_relative: whether arg is a relative target such as "-1". */
static bool
is_relative(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false;
	for (const char *p = arg + 1; *p; p++)
		if (!isdigit((unsigned char) *p))
			return false;
	return true;
}

/* takes_value: whether arg is an option whose value is the next argument. */
static bool
takes_value(const char *arg)
{
	if (arg[0] != '-')
		return false;
	if (arg[1] != '-')
	{
		const char *o = arg[1] ? strchr(short_options, arg[1]) : NULL;

		return arg[2] == '\0' && o != NULL && o[1] == ':';
	}
	for (int i = 0; long_options[i].name; i++)
		if (strcmp(arg + 2, long_options[i].name) == 0)
			return long_options[i].has_arg == required_argument;
	return false;
}

/* join: list and item joined with ", ". */
static const char *
join(const char *list, const char *item)
{
	return list ? psprintf("%s, %s", list, item) : item;
}

/* cmd_upgrade: mig upgrade [TARGET] [--sql]. */
static void
cmd_upgrade(const MigArgs *a)
{
	mig_cmd_migrate(a, true);
}

/* cmd_downgrade: mig downgrade TARGET [--sql]. */
static void
cmd_downgrade(const MigArgs *a)
{
	mig_cmd_migrate(a, false);
}

/* main: parse the command line, connect, run the command. */
int
main(int argc, char **argv)
{
	const char *progname;
	MigConnOpts conn = {0};
	MigArgs		a = {0};
	const MigCommand *cmd = NULL;
	int			used = 0;
	int			c;

	pg_logging_init(argv[0]);
	progname = get_progname(argv[0]);

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		usage(progname);
		exit(0);
	}

	for (int i = 1; i < argc; i++)
		if (is_relative(argv[i]) && !takes_value(argv[i - 1]))
			argv[i] = psprintf("%c%s", RELATIVE_MARK, argv[i]);

	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'h':
				conn.host = optarg;
				break;
			case 'p':
				conn.port = optarg;
				break;
			case 'U':
				conn.user = optarg;
				break;
			case 'd':
				conn.dbname = optarg;
				break;
			case 'w':
				conn.prompt = 1;
				break;
			case 'W':
				conn.prompt = 2;
				break;
			case 'v':
				mig_verbose = true;
				break;
			case 'V':
				puts("mig (mig_ext) " MIG_EXT_VERSION);
				exit(0);
			case 1:
				conn.schema = optarg;
				break;
			case 'm':
				a.message = optarg;
				used |= OPT_MESSAGE;
				break;
			case 2:
				a.dir = optarg;
				used |= OPT_DIR;
				break;
			case 3:
				a.rev_id = optarg;
				used |= OPT_REV_ID;
				break;
			case 4:
				a.head = optarg;
				used |= OPT_HEAD;
				break;
			case 5:
				a.labels = join(a.labels, optarg);
				used |= OPT_LABEL;
				break;
			case 6:
				a.depends = join(a.depends, optarg);
				used |= OPT_DEPENDS;
				break;
			case 7:
				a.sql = true;
				used |= OPT_SQL;
				break;
			case 'r':
				a.range = optarg;
				used |= OPT_RANGE;
				break;
			case 'i':
				a.indicate = true;
				used |= OPT_INDICATE;
				break;
			case 8:
				a.purge = true;
				used |= OPT_PURGE;
				break;
			case 'o':
				a.output = optarg;
				used |= OPT_OUTPUT;
				break;
			case 9:
				a.from_db = true;
				used |= OPT_FROM_DB;
				break;
			default:
				/* getopt_long already complained */
				pg_log_error_hint("Try \"%s --help\" for more information.", progname);
				exit(2);
		}
	}

	if (optind >= argc)
		usage_error(progname, "no command given");
	a.command = argv[optind++];
	a.pos = argv + optind;
	a.npos = argc - optind;
	for (int i = 0; i < a.npos; i++)
		if (a.pos[i][0] == RELATIVE_MARK)
			a.pos[i]++;
	if (strcmp(a.command, "help") == 0)
	{
		usage(progname);
		exit(0);
	}
	for (int i = 0; i < (int) lengthof(commands); i++)
		if (strcmp(a.command, commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL)
		usage_error(progname, psprintf("unknown command \"%s\"", a.command));
	for (int i = 0; i < (int) lengthof(option_names); i++)
		if ((used & ~cmd->options) & (1 << i))
			usage_error(progname, psprintf("option %s is not valid for command \"%s\"",
										   option_names[i], cmd->name));
	if (a.npos < cmd->min_args)
		usage_error(progname, psprintf("too few arguments for command \"%s\"", cmd->name));
	if (cmd->max_args >= 0 && a.npos > cmd->max_args)
		usage_error(progname, psprintf("too many arguments for command \"%s\"", cmd->name));
	if ((cmd->options & OPT_MESSAGE) && a.message == NULL)
		usage_error(progname, psprintf("command \"%s\" needs -m MESSAGE", cmd->name));

	/* revision and merge read the directory alone unless --from-db */
	if (!(cmd->options & OPT_FROM_DB) || a.from_db)
		mig_connect(&conn);
	cmd->run(&a);
	mig_exit(0);
}
