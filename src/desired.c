/*-------------------------------------------------------------------------
 *
 * desired.c
 *	  Autogenerate: the desired DDL made ready to build in the scratch schema.
 *
 * A desired schema is usually a pg_dump --schema-only or a framework's
 * structure dump, which qualifies every name: "CREATE TABLE public.t".
 * Such DDL describes the target schema's objects, so every qualification
 * by the target schema is rewritten to the scratch schema (in identifiers
 * and in string literals alike, as mig_autogen_map rewrites it back), and
 * statements about the target schema itself (CREATE, COMMENT ON, ALTER
 * ... OWNER, GRANT ON SCHEMA, ALTER DEFAULT PRIVILEGES IN SCHEMA) are left
 * out, as are statements changing data (a framework's dump ends with the
 * rows of its version table), SET search_path and CREATE EXTENSION IF
 * NOT EXISTS of an installed extension.  A statement that writes into
 * any other schema, or creates an extension, is refused before anything
 * runs.  Function bodies are built unchecked, as pg_dump restores them,
 * then validated once every object exists.  The psql meta-commands
 * pg_dump writes around a dump (\restrict, \unrestrict) are ignored.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/regproc.h"

#include "desired.h"

/* is_ident_char: whether c may be part of an unquoted identifier. */
static bool
is_ident_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '$' || IS_HIGHBIT_SET(c);
}

/*
 * requalify: s with every qualification by schema target ("target." or
 * "\"target\".", the unquoted form in any case) rewritten to "scratch.".
 */
static char *
requalify(const char *s, const char *target, const char *scratch)
{
	bool		plain = strcmp(quote_identifier(target), target) == 0;
	const char *quoted = plain ? psprintf("\"%s\"", target) : quote_identifier(target);
	size_t		tlen = strlen(target);
	size_t		qlen = strlen(quoted);
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *p = s; *p;)
	{
		bool		boundary = p == s || !(is_ident_char(p[-1]) || p[-1] == '"');

		if (boundary && strncmp(p, quoted, qlen) == 0 && p[qlen] == '.')
			p += qlen + 1;
		else if (boundary && plain && pg_strncasecmp(p, target, tlen) == 0 && p[tlen] == '.')
			p += tlen + 1;
		else
		{
			appendStringInfoChar(&buf, *p++);
			continue;
		}
		appendStringInfo(&buf, "%s.", scratch);
	}
	return buf.data;
}

/*
 * names_schema: the schema of a possibly qualified name (a List of
 * String) of an object named by its last `depth` names (2 for a column,
 * or a constraint, trigger, policy or rule named with its table), or NULL
 * when unqualified.
 */
static const char *
names_schema(List *names, int depth)
{
	int			len = list_length(names);

	return len > depth ? strVal(list_nth(names, len - depth - 1)) : NULL;
}

/*
 * object_schema: the schema named by object n (a RangeVar, TypeName,
 * ObjectWithArgs or list of names, as the grammar writes objects of type
 * type), or NULL when n is unqualified or names no schema object.
 */
static const char *
object_schema(ObjectType type, Node *n)
{
	if (n == NULL)
		return NULL;
	switch (nodeTag(n))
	{
		case T_RangeVar:
			return ((RangeVar *) n)->schemaname;
		case T_TypeName:
			return names_schema(((TypeName *) n)->names, 1);
		case T_ObjectWithArgs:
			return names_schema(((ObjectWithArgs *) n)->objname, 1);
		case T_List:
			switch (type)
			{
				case OBJECT_DOMCONSTRAINT:
					return object_schema(OBJECT_DOMAIN, linitial((List *) n));
				case OBJECT_COLUMN:
				case OBJECT_TABCONSTRAINT:
				case OBJECT_TRIGGER:
				case OBJECT_POLICY:
				case OBJECT_RULE:
					return names_schema((List *) n, 2);
				case OBJECT_CAST:
				case OBJECT_TRANSFORM:
					return NULL;
				default:
					return names_schema((List *) n, 1);
			}
		default:
			return NULL;
	}
}

/*
 * default_privileges_schemas: the schemas (String) of the IN SCHEMA
 * clause of stmt, an ALTER DEFAULT PRIVILEGES.
 */
static List *
default_privileges_schemas(AlterDefaultPrivilegesStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "schemas") == 0)
			return (List *) opt->arg;
	}
	return NIL;
}

/*
 * schema_statement: if stmt is about a schema itself (CREATE SCHEMA,
 * COMMENT ON, ALTER ... OWNER, GRANT ... ON SCHEMA, ALTER DEFAULT
 * PRIVILEGES IN SCHEMA), that schema's name; else NULL.
 */
static const char *
schema_statement(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_AlterDefaultPrivilegesStmt:
			{
				List	   *nsps = default_privileges_schemas((AlterDefaultPrivilegesStmt *) stmt);

				return list_length(nsps) == 1 ? strVal(linitial(nsps)) : NULL;
			}
		case T_CreateSchemaStmt:
			return ((CreateSchemaStmt *) stmt)->schemaname;
		case T_CommentStmt:
			if (((CommentStmt *) stmt)->objtype == OBJECT_SCHEMA)
				return strVal(((CommentStmt *) stmt)->object);
			return NULL;
		case T_AlterOwnerStmt:
			if (((AlterOwnerStmt *) stmt)->objectType == OBJECT_SCHEMA)
				return strVal(((AlterOwnerStmt *) stmt)->object);
			return NULL;
		case T_GrantStmt:
			if (((GrantStmt *) stmt)->objtype == OBJECT_SCHEMA &&
				((GrantStmt *) stmt)->targtype == ACL_TARGET_OBJECT &&
				list_length(((GrantStmt *) stmt)->objects) == 1)
				return strVal(linitial(((GrantStmt *) stmt)->objects));
			return NULL;
		default:
			return NULL;
	}
}

/*
 * written_schemas: the schemas named by qualification in what stmt
 * creates, changes or removes (NULL elements for unqualified names).
 */
static List *
written_schemas(Node *stmt)
{
	List	   *res = NIL;
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
			return list_make1((void *) ((CreateStmt *) stmt)->relation->schemaname);
		case T_CreateTableAsStmt:
			return list_make1((void *) ((CreateTableAsStmt *) stmt)->into->rel->schemaname);
		case T_ViewStmt:
			return list_make1((void *) ((ViewStmt *) stmt)->view->schemaname);
		case T_IndexStmt:
			return list_make1((void *) ((IndexStmt *) stmt)->relation->schemaname);
		case T_CreateSeqStmt:
			return list_make1((void *) ((CreateSeqStmt *) stmt)->sequence->schemaname);
		case T_AlterSeqStmt:
			return list_make1((void *) ((AlterSeqStmt *) stmt)->sequence->schemaname);
		case T_AlterTableStmt:
			return list_make1((void *) ((AlterTableStmt *) stmt)->relation->schemaname);
		case T_CreateTrigStmt:
			return list_make1((void *) ((CreateTrigStmt *) stmt)->relation->schemaname);
		case T_CreatePolicyStmt:
			return list_make1((void *) ((CreatePolicyStmt *) stmt)->table->schemaname);
		case T_AlterPolicyStmt:
			return list_make1((void *) ((AlterPolicyStmt *) stmt)->table->schemaname);
		case T_RuleStmt:
			return list_make1((void *) ((RuleStmt *) stmt)->relation->schemaname);
		case T_ClusterStmt:
			return list_make1((void *) object_schema(OBJECT_TABLE,
													 (Node *) ((ClusterStmt *) stmt)->relation));
		case T_CompositeTypeStmt:
			return list_make1((void *) ((CompositeTypeStmt *) stmt)->typevar->schemaname);
		case T_CreateFunctionStmt:
			return list_make1((void *) names_schema(((CreateFunctionStmt *) stmt)->funcname, 1));
		case T_DefineStmt:
			return list_make1((void *) names_schema(((DefineStmt *) stmt)->defnames, 1));
		case T_CreateDomainStmt:
			return list_make1((void *) names_schema(((CreateDomainStmt *) stmt)->domainname, 1));
		case T_AlterDomainStmt:
			return list_make1((void *) names_schema(((AlterDomainStmt *) stmt)->typeName, 1));
		case T_CreateEnumStmt:
			return list_make1((void *) names_schema(((CreateEnumStmt *) stmt)->typeName, 1));
		case T_AlterEnumStmt:
			return list_make1((void *) names_schema(((AlterEnumStmt *) stmt)->typeName, 1));
		case T_CreateRangeStmt:
			return list_make1((void *) names_schema(((CreateRangeStmt *) stmt)->typeName, 1));
		case T_AlterTypeStmt:
			return list_make1((void *) names_schema(((AlterTypeStmt *) stmt)->typeName, 1));
		case T_CreateStatsStmt:
			return list_make1((void *) names_schema(((CreateStatsStmt *) stmt)->defnames, 1));
		case T_AlterStatsStmt:
			return list_make1((void *) names_schema(((AlterStatsStmt *) stmt)->defnames, 1));
		case T_AlterCollationStmt:
			return list_make1((void *) names_schema(((AlterCollationStmt *) stmt)->collname, 1));
		case T_CreateConversionStmt:
			return list_make1((void *) names_schema(((CreateConversionStmt *) stmt)->conversion_name, 1));
		case T_CreateOpClassStmt:
			return list_make2((void *) names_schema(((CreateOpClassStmt *) stmt)->opclassname, 1),
							  (void *) names_schema(((CreateOpClassStmt *) stmt)->opfamilyname, 1));
		case T_CreateOpFamilyStmt:
			return list_make1((void *) names_schema(((CreateOpFamilyStmt *) stmt)->opfamilyname, 1));
		case T_AlterOpFamilyStmt:
			return list_make1((void *) names_schema(((AlterOpFamilyStmt *) stmt)->opfamilyname, 1));
		case T_AlterOperatorStmt:
			return list_make1((void *) object_schema(OBJECT_OPERATOR,
													 (Node *) ((AlterOperatorStmt *) stmt)->opername));
		case T_AlterTSDictionaryStmt:
			return list_make1((void *) names_schema(((AlterTSDictionaryStmt *) stmt)->dictname, 1));
		case T_AlterTSConfigurationStmt:
			return list_make1((void *) names_schema(((AlterTSConfigurationStmt *) stmt)->cfgname, 1));
		case T_AlterFunctionStmt:
			return list_make1((void *) object_schema(OBJECT_FUNCTION,
													 (Node *) ((AlterFunctionStmt *) stmt)->func));
		case T_CommentStmt:
			return list_make1((void *) object_schema(((CommentStmt *) stmt)->objtype,
													 ((CommentStmt *) stmt)->object));
		case T_SecLabelStmt:
			return list_make1((void *) object_schema(((SecLabelStmt *) stmt)->objtype,
													 ((SecLabelStmt *) stmt)->object));
		case T_AlterOwnerStmt:
			{
				AlterOwnerStmt *s = (AlterOwnerStmt *) stmt;

				return list_make1((void *) (s->relation ? s->relation->schemaname :
											object_schema(s->objectType, s->object)));
			}
		case T_RenameStmt:
			{
				RenameStmt *s = (RenameStmt *) stmt;

				return list_make1((void *) (s->relation ? s->relation->schemaname :
											object_schema(s->renameType, s->object)));
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *s = (AlterObjectSchemaStmt *) stmt;

				return list_make2((void *) (s->relation ? s->relation->schemaname :
											object_schema(s->objectType, s->object)),
								  s->newschema);
			}
		case T_DropStmt:
			foreach(lc, ((DropStmt *) stmt)->objects)
				res = lappend(res, (void *) object_schema(((DropStmt *) stmt)->removeType,
														  lfirst(lc)));
			return res;
		case T_AlterDefaultPrivilegesStmt:
			foreach(lc, default_privileges_schemas((AlterDefaultPrivilegesStmt *) stmt))
				res = lappend(res, strVal(lfirst(lc)));
			return res;
		case T_GrantStmt:
			{
				GrantStmt  *s = (GrantStmt *) stmt;

				foreach(lc, s->objects)
					res = lappend(res, (void *) (s->targtype == ACL_TARGET_ALL_IN_SCHEMA ?
												 strVal(lfirst(lc)) :
												 object_schema(s->objtype, lfirst(lc))));
				return res;
			}
		default:
			return NIL;
	}
}

/*
 * left_out: whether stmt is left out of the build: a statement about
 * schema target itself, one that changes data (not compared), a SET of
 * the search_path (the scratch schema stays first), or a CREATE EXTENSION
 * IF NOT EXISTS of an extension already installed.
 */
static bool
left_out(Node *stmt, const char *target)
{
	const char *nsp = schema_statement(stmt);

	switch (nodeTag(stmt))
	{
		case T_InsertStmt:
		case T_UpdateStmt:
		case T_DeleteStmt:
		case T_MergeStmt:
		case T_CopyStmt:
			return true;
		case T_VariableSetStmt:
			return ((VariableSetStmt *) stmt)->name != NULL &&
				strcmp(((VariableSetStmt *) stmt)->name, "search_path") == 0;
		case T_CreateExtensionStmt:
			return ((CreateExtensionStmt *) stmt)->if_not_exists &&
				OidIsValid(get_extension_oid(((CreateExtensionStmt *) stmt)->extname, true));
		case T_CreateSchemaStmt:
			return strcmp(nsp, target) == 0 && ((CreateSchemaStmt *) stmt)->schemaElts == NIL;
		default:
			return nsp != NULL && strcmp(nsp, target) == 0;
	}
}

/*
 * strip_restrict: desired with the lines of the psql meta-commands that
 * pg_dump writes around a dump (\restrict and \unrestrict) blanked out.
 */
static char *
strip_restrict(const char *desired)
{
	char	   *s = pstrdup(desired);
	char	   *line = s;

	while (line)
	{
		char	   *end = strchr(line, '\n');

		if (strncmp(line, "\\restrict ", 10) == 0 || strncmp(line, "\\unrestrict ", 12) == 0)
			memset(line, ' ', end ? end - line : strlen(line));
		line = end ? end + 1 : NULL;
	}
	return s;
}

/*
 * desired_prepare: the statements of the desired DDL, written for schema
 * target, made ready to run with schema scratch first on the search_path
 * (NULL for those left out, so that the others keep their numbers);
 * raises an error for a statement that would write anywhere else or
 * create an extension.
 */
MigBody *
desired_prepare(const char *desired, const char *target, const char *scratch)
{
	MigBody    *body = body_split(strip_restrict(desired), "parsing the desired schema");
	MigBody    *out = palloc0(sizeof(MigBody));
	MemoryContext callcxt = CurrentMemoryContext;

	/* each statement's parse tree is only looked at here */
	MemoryContext parsecxt = AllocSetContextCreate(callcxt, "mig_ext desired parse",
												   ALLOCSET_DEFAULT_SIZES);

	out->nstmts = body->nstmts;
	out->stmts = palloc0(sizeof(char *) * Max(body->nstmts, 1));
	for (int i = 0; i < body->nstmts; i++)
	{
		char	   *text = requalify(body->stmts[i], target, scratch);
		Node	   *stmt;
		const char *nsp;
		const char *what;
		ListCell   *lc;

		MemoryContextReset(parsecxt);
		MemoryContextSwitchTo(parsecxt);
		stmt = linitial_node(RawStmt, raw_parser(text, RAW_PARSE_DEFAULT))->stmt;
		nsp = schema_statement(stmt);
		what = pnstrdup(body->stmts[i], pg_mbcliplen(body->stmts[i], strlen(body->stmts[i]), 60));
		MemoryContextSwitchTo(callcxt);
		if (left_out(stmt, target))
			continue;
		if (IsA(stmt, CreateExtensionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the desired schema cannot create extension \"%s\"",
							((CreateExtensionStmt *) stmt)->extname),
					 errdetail("Statement %d of %d is \"%s\".", i + 1, body->nstmts, what),
					 errhint("Create the extension in the database before comparing; CREATE EXTENSION IF NOT EXISTS of an installed extension is left out.")));
		foreach(lc, nsp ? list_make1((void *) nsp) : written_schemas(stmt))
		{
			const char *w = lfirst(lc);

			if (w && strcmp(w, scratch) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("the desired schema cannot write into schema \"%s\"", w),
						 errdetail("Statement %d of %d is \"%s\".", i + 1, body->nstmts, what),
						 errhint("The desired DDL describes the objects of schema \"%s\" only: qualify their names with it, or leave them unqualified.",
								 target)));
		}
		out->stmts[i] = text;
	}
	MemoryContextDelete(parsecxt);
	return out;
}

/*
 * desired_set_local: set search_path and check_function_bodies until the
 * end of the current subtransaction.
 */
void
desired_set_local(const char *search_path, bool check_bodies)
{
	(void) set_config_option("search_path", search_path,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
							 true, 0, false);
	(void) set_config_option("check_function_bodies", check_bodies ? "on" : "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
							 true, 0, false);
}

/* validate_context: names the function whose body is being validated. */
static void
validate_context(void *arg)
{
	errcontext("validating the body of function %s of the desired schema",
			   format_procedure(*(Oid *) arg));
}

/*
 * desired_validate_functions: check the bodies of the functions of schema
 * scratch, built with check_function_bodies off, now that every object of
 * the desired schema exists, with search_path set again to search_path
 * (the desired DDL may have changed it: pg_dump empties it).  The caller
 * is connected to SPI.
 */
void
desired_validate_functions(Oid scratch, const char *search_path)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(scratch)};
	ErrorContextCallback errcb;
	Oid		   *fns;
	Oid		   *validators;
	uint64		n;
	Oid			fn;

	if (SPI_execute_with_args("SELECT p.oid, l.lanvalidator"
							  " FROM pg_catalog.pg_proc p"
							  " JOIN pg_catalog.pg_language l ON l.oid = p.prolang"
							  " WHERE p.pronamespace = $1 AND p.prokind <> 'a' AND l.lanvalidator <> 0"
							  " ORDER BY p.oid",
							  1, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the functions of the desired schema");
	n = SPI_processed;
	fns = palloc(sizeof(Oid) * Max(n, 1));
	validators = palloc(sizeof(Oid) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		fns[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		validators[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	desired_set_local(search_path, true);
	errcb.callback = validate_context;
	errcb.arg = &fn;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	for (uint64 i = 0; i < n; i++)
	{
		fn = fns[i];
		OidFunctionCall1(validators[i], ObjectIdGetDatum(fn));
	}
	error_context_stack = errcb.previous;
}
