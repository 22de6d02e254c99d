/*-------------------------------------------------------------------------
 *
 * desired.c
 *	  Autogenerate: the desired DDL made ready to build in the scratch schema.
 *
 * A desired schema is usually a pg_dump --schema-only or a framework's
 * structure dump, which qualifies every name: "CREATE TABLE public.t".
 * Such DDL describes the target schema's objects, so every qualification
 * by the target schema is rewritten to the scratch schema (in identifiers
 * and in string literals alike, as mig_autogen_map rewrites it back), but
 * for the names of the extension members living in the target schema,
 * which the DDL uses rather than describes.  Statements about the target
 * schema itself (CREATE, COMMENT ON, ALTER ... OWNER, GRANT ON SCHEMA,
 * ALTER DEFAULT PRIVILEGES IN SCHEMA) are left out, as are statements
 * changing data (a framework's dump ends with the rows of its version
 * table), changes of the search_path, CREATE EXTENSION IF NOT EXISTS of an
 * installed extension, COMMENT ON EXTENSION and DROP ... IF EXISTS of
 * objects outside any schema (pg_dump --clean).  A statement that writes
 * into any other schema, creates an extension or changes another object
 * outside any schema is refused before anything runs; a DROP whose
 * unqualified name reaches an object outside the scratch schema, as it
 * runs.  Function bodies are built unchecked, as pg_dump restores them,
 * then validated once every object exists.  The psql meta-commands
 * pg_dump writes around a dump (\restrict, \unrestrict) are ignored.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/rel.h"

#include "desired.h"
#include "spi_exec.h"

/* is_ident_char: whether c may be part of an unquoted identifier. */
static bool
is_ident_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '$' || IS_HIGHBIT_SET(c);
}

/*
 * next_name: the name that starts at p, as the parser reads it: a quoted
 * identifier, an unquoted one (lowercased), or an operator; "" if none.
 */
static char *
next_name(const char *p)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (*p == '"')
	{
		for (p++; *p && !(p[0] == '"' && p[1] != '"'); p++)
		{
			if (*p == '"')
				p++;
			appendStringInfoChar(&buf, *p);
		}
	}
	else if (is_ident_char(*p))
	{
		for (; is_ident_char(*p); p++)
			appendStringInfoChar(&buf, IS_HIGHBIT_SET(*p) ? *p : pg_ascii_tolower((unsigned char) *p));
	}
	else
	{
		for (; *p && strchr("+-*/<>=~!@#%^&|`?", *p); p++)
			appendStringInfoChar(&buf, *p);
	}
	return buf.data;
}

/*
 * desired_requalify: s with every qualification by schema target ("target." or
 * "\"target\".", the unquoted form in any case) rewritten to "scratch.",
 * but where the name qualified is one of kept (String): the name of an
 * object that lives in schema target as a member of an extension, which
 * the desired DDL uses rather than describes.
 */
char *
desired_requalify(const char *s, const char *target, const char *scratch, List *kept)
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
		size_t		len = 0;

		if (boundary && strncmp(p, quoted, qlen) == 0 && p[qlen] == '.')
			len = qlen + 1;
		else if (boundary && plain && pg_strncasecmp(p, target, tlen) == 0 && p[tlen] == '.')
			len = tlen + 1;
		if (len == 0 || list_member(kept, makeString(next_name(p + len))))
		{
			appendStringInfoChar(&buf, *p++);
			continue;
		}
		appendStringInfo(&buf, "%s.", scratch);
		p += len;
	}
	return buf.data;
}

/*
 * extension_names: the names (String) of the objects of schema nsp that
 * are members of an extension: types, relations, functions, operators,
 * operator classes and families, collations, conversions and text search
 * objects.  The caller is connected to SPI.
 */
static List *
extension_names(Oid nsp)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(nsp)};
	List	   *names = NIL;

	spi_exec_caller("SELECT DISTINCT o.name::text FROM ("
					" SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, oid, relname FROM pg_catalog.pg_class WHERE relnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, oid, typname FROM pg_catalog.pg_type WHERE typnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, oid, proname FROM pg_catalog.pg_proc WHERE pronamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, oid, oprname FROM pg_catalog.pg_operator WHERE oprnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, oid, opcname FROM pg_catalog.pg_opclass WHERE opcnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, oid, opfname FROM pg_catalog.pg_opfamily WHERE opfnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, oid, collname FROM pg_catalog.pg_collation WHERE collnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, oid, conname FROM pg_catalog.pg_conversion WHERE connamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, oid, cfgname FROM pg_catalog.pg_ts_config WHERE cfgnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, oid, dictname FROM pg_catalog.pg_ts_dict WHERE dictnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, oid, prsname FROM pg_catalog.pg_ts_parser WHERE prsnamespace = $1"
					" UNION ALL SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass, oid, tmplname FROM pg_catalog.pg_ts_template WHERE tmplnamespace = $1"
					") o(classid, objid, name)"
					" JOIN pg_catalog.pg_depend d ON d.classid = o.classid AND d.objid = o.objid AND d.deptype = 'e'",
					1, types, values, NULL, true);
	for (uint64 i = 0; i < SPI_processed; i++)
		names = lappend(names, makeString(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1)));
	SPI_freetuptable(SPI_tuptable);
	return names;
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
 * outside_kind: whether objects of type t live outside every schema
 * (extensions, schemas, roles, languages, servers, casts, ...).
 */
static bool
outside_kind(ObjectType t)
{
	switch (t)
	{
		case OBJECT_ACCESS_METHOD:
		case OBJECT_CAST:
		case OBJECT_DATABASE:
		case OBJECT_EVENT_TRIGGER:
		case OBJECT_EXTENSION:
		case OBJECT_FDW:
		case OBJECT_FOREIGN_SERVER:
		case OBJECT_LANGUAGE:
		case OBJECT_LARGEOBJECT:
		case OBJECT_PARAMETER_ACL:
		case OBJECT_PUBLICATION:
		case OBJECT_ROLE:
		case OBJECT_SCHEMA:
		case OBJECT_SUBSCRIPTION:
		case OBJECT_TABLESPACE:
		case OBJECT_TRANSFORM:
		case OBJECT_USER_MAPPING:
			return true;
		default:
			return false;
	}
}

/*
 * outside_statement: whether stmt creates, changes or removes an object
 * outside every schema, or the default privileges of a role everywhere.
 * (CREATE EXTENSION and statements about the target schema itself are
 * dealt with before.)
 */
static bool
outside_statement(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_DropStmt:
			return outside_kind(((DropStmt *) stmt)->removeType);
		case T_CommentStmt:
			return outside_kind(((CommentStmt *) stmt)->objtype);
		case T_SecLabelStmt:
			return outside_kind(((SecLabelStmt *) stmt)->objtype);
		case T_AlterOwnerStmt:
			return outside_kind(((AlterOwnerStmt *) stmt)->objectType);
		case T_RenameStmt:
			return outside_kind(((RenameStmt *) stmt)->renameType);
		case T_AlterObjectSchemaStmt:
			return outside_kind(((AlterObjectSchemaStmt *) stmt)->objectType);
		case T_GrantStmt:
			return ((GrantStmt *) stmt)->targtype == ACL_TARGET_OBJECT &&
				outside_kind(((GrantStmt *) stmt)->objtype);
		case T_AlterDefaultPrivilegesStmt:
			return default_privileges_schemas((AlterDefaultPrivilegesStmt *) stmt) == NIL;
		case T_AlterExtensionStmt:
		case T_AlterExtensionContentsStmt:
		case T_CreateRoleStmt:
		case T_AlterRoleStmt:
		case T_AlterRoleSetStmt:
		case T_DropRoleStmt:
		case T_GrantRoleStmt:
		case T_ReassignOwnedStmt:
		case T_DropOwnedStmt:
		case T_CreatedbStmt:
		case T_AlterDatabaseStmt:
		case T_AlterDatabaseSetStmt:
		case T_AlterDatabaseRefreshCollStmt:
		case T_DropdbStmt:
		case T_CreateTableSpaceStmt:
		case T_AlterTableSpaceOptionsStmt:
		case T_DropTableSpaceStmt:
		case T_CreateEventTrigStmt:
		case T_AlterEventTrigStmt:
		case T_CreatePLangStmt:
		case T_CreateFdwStmt:
		case T_AlterFdwStmt:
		case T_CreateForeignServerStmt:
		case T_AlterForeignServerStmt:
		case T_CreateUserMappingStmt:
		case T_AlterUserMappingStmt:
		case T_DropUserMappingStmt:
		case T_CreatePublicationStmt:
		case T_AlterPublicationStmt:
		case T_CreateSubscriptionStmt:
		case T_AlterSubscriptionStmt:
		case T_DropSubscriptionStmt:
		case T_CreateAmStmt:
		case T_CreateCastStmt:
		case T_CreateTransformStmt:
		case T_AlterSystemStmt:
			return true;
		default:
			return false;
	}
}

/*
 * sets_search_path: whether stmt is pg_dump's
 * "SELECT pg_catalog.set_config('search_path', ...)".
 */
static bool
sets_search_path(Node *stmt)
{
	SelectStmt *sel = (SelectStmt *) stmt;
	ResTarget  *rt;
	FuncCall   *fc;
	Node	   *arg;

	if (!IsA(stmt, SelectStmt) || list_length(sel->targetList) != 1 || sel->fromClause != NIL)
		return false;
	rt = linitial_node(ResTarget, sel->targetList);
	if (!IsA(rt->val, FuncCall))
		return false;
	fc = (FuncCall *) rt->val;
	if (strcmp(strVal(llast(fc->funcname)), "set_config") != 0 || list_length(fc->args) < 1)
		return false;
	arg = linitial(fc->args);
	return IsA(arg, A_Const) && !((A_Const *) arg)->isnull &&
		IsA(&((A_Const *) arg)->val, String) &&
		strcmp(strVal(&((A_Const *) arg)->val), "search_path") == 0;
}

/*
 * left_out: whether stmt is left out of the build: a statement about
 * schema target itself, one that changes data (not compared), a change of
 * the search_path (the scratch schema stays first), a CREATE EXTENSION IF
 * NOT EXISTS of an extension already installed, a COMMENT ON EXTENSION,
 * and a DROP ... IF EXISTS of objects outside every schema (as pg_dump
 * --clean writes it before creating them again).
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
		case T_SelectStmt:
			return sets_search_path(stmt);
		case T_CreateExtensionStmt:
			return ((CreateExtensionStmt *) stmt)->if_not_exists &&
				OidIsValid(get_extension_oid(((CreateExtensionStmt *) stmt)->extname, true));
		case T_CreateSchemaStmt:
			return strcmp(nsp, target) == 0 && ((CreateSchemaStmt *) stmt)->schemaElts == NIL;
		case T_DropStmt:
			return ((DropStmt *) stmt)->missing_ok && outside_kind(((DropStmt *) stmt)->removeType);
		case T_CommentStmt:
			return ((CommentStmt *) stmt)->objtype == OBJECT_EXTENSION ||
				(nsp != NULL && strcmp(nsp, target) == 0);
		default:
			return nsp != NULL && strcmp(nsp, target) == 0;
	}
}

/*
 * statement_start: where statement s starts, after the white space and
 * the "--" comment lines before it (pg_dump writes "-- Name: ..." before
 * each statement).
 */
static const char *
statement_start(const char *s)
{
	for (;;)
	{
		while (isspace((unsigned char) *s))
			s++;
		if (s[0] != '-' || s[1] != '-' || strchr(s, '\n') == NULL)
			return s;
		s = strchr(s, '\n');
	}
}

/*
 * desired_quote: the start of statement s as error messages quote it:
 * its first 60 characters after the comment lines before it, "..." when
 * cut.
 */
char *
desired_quote(const char *s)
{
	const char *start = statement_start(s);
	int			len = pg_mbcliplen(start, strlen(start), 60);

	return psprintf("%.*s%s", len, start, start[len] ? "..." : "");
}

/* desired_error_context: names the desired-schema statement at work. */
void
desired_error_context(void *arg)
{
	DesiredContext *dc = (DesiredContext *) arg;

	errcontext("statement %d of %d of the desired schema: \"%s\"",
			   dc->stmt, dc->body->nstmts, desired_quote(dc->body->stmts[dc->stmt - 1]));
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
			memset(line, ' ', end ? (size_t) (end - line) : strlen(line));
		line = end ? end + 1 : NULL;
	}
	return s;
}

/*
 * desired_prepare: the statements of the desired DDL, written for schema
 * target, made ready to run with schema scratch first on the search_path
 * (NULL for those left out, so that the others keep their numbers);
 * raises an error for a statement that would write anywhere else or
 * create an extension.  *kept is set to the names that stay qualified by
 * target (see desired_requalify), *as_written to the statements as the
 * desired DDL writes them.  The caller is connected to SPI.
 */
MigBody *
desired_prepare(const char *desired, const char *target, const char *scratch, List **kept,
				MigBody **as_written)
{
	MigBody    *body = body_split(strip_restrict(desired), "parsing the desired schema");
	MigBody    *out = palloc0(sizeof(MigBody));
	MemoryContext callcxt = CurrentMemoryContext;
	ErrorContextCallback errcb;
	DesiredContext dc;

	/* each statement's parse tree is only looked at here */
	MemoryContext parsecxt = AllocSetContextCreate(callcxt, "mig_ext desired parse",
												   ALLOCSET_DEFAULT_SIZES);

	*kept = extension_names(get_namespace_oid(target, false));
	*as_written = body;
	out->nstmts = body->nstmts;
	out->stmts = palloc0(sizeof(char *) * Max(body->nstmts, 1));
	dc.body = body;
	errcb.callback = desired_error_context;
	errcb.arg = &dc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	for (dc.stmt = 1; dc.stmt <= body->nstmts; dc.stmt++)
	{
		char	   *text = desired_requalify(statement_start(body->stmts[dc.stmt - 1]),
										 target, scratch, *kept);
		Node	   *stmt;
		const char *nsp;
		ListCell   *lc;

		MemoryContextReset(parsecxt);
		MemoryContextSwitchTo(parsecxt);
		stmt = linitial_node(RawStmt, raw_parser(text, RAW_PARSE_DEFAULT))->stmt;
		nsp = schema_statement(stmt);
		MemoryContextSwitchTo(callcxt);
		if (left_out(stmt, target))
			continue;
		if (IsA(stmt, CreateExtensionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the desired schema cannot create extension \"%s\"",
							((CreateExtensionStmt *) stmt)->extname),
					 errhint("Create the extension in the database before comparing; CREATE EXTENSION IF NOT EXISTS of an installed extension is left out.")));
		if (outside_statement(stmt))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the desired schema cannot run %s", CreateCommandName(stmt)),
					 errdetail("The statement changes objects outside any schema, which the desired schema does not describe."),
					 errhint("Make such changes in the database before comparing; DROP ... IF EXISTS of them and COMMENT ON EXTENSION are left out.")));
		foreach(lc, nsp ? list_make1((void *) nsp) : written_schemas(stmt))
		{
			const char *w = lfirst(lc);

			if (w && strcmp(w, scratch) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("the desired schema cannot write into schema \"%s\"", w),
						 errhint("The desired DDL describes the objects of schema \"%s\" only: qualify their names with it, or leave them unqualified.",
								 target)));
		}
		out->stmts[dc.stmt - 1] = text;
	}
	error_context_stack = errcb.previous;
	MemoryContextDelete(parsecxt);
	return out;
}

/*
 * desired_check_drop: refuse statement stmt of the desired DDL, about to
 * run in schema scratch, if it drops an existing object outside that
 * schema, which an unqualified name can reach through the search_path.
 */
void
desired_check_drop(const char *stmt, Oid scratch)
{
	DropStmt   *drop;
	ListCell   *lc;

	if (pg_strncasecmp(statement_start(stmt), "drop", 4) != 0)
		return;
	drop = (DropStmt *) linitial_node(RawStmt, raw_parser(stmt, RAW_PARSE_DEFAULT))->stmt;
	if (!IsA(drop, DropStmt) || outside_kind(drop->removeType))
		return;
	foreach(lc, drop->objects)
	{
		Relation	rel = NULL;
		ObjectAddress addr = get_object_address(drop->removeType, lfirst(lc), &rel,
												AccessShareLock, true);
		Oid			nsp = InvalidOid;

		if (OidIsValid(addr.objectId))
			nsp = get_object_namespace(&addr);
		if (rel)
		{
			if (!OidIsValid(nsp))
				nsp = RelationGetNamespace(rel);
			relation_close(rel, NoLock);
		}
		if (OidIsValid(nsp) && nsp != scratch)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the desired schema cannot drop %s %s",
							getObjectTypeDescription(&addr, false), getObjectIdentity(&addr, false)),
					 errdetail("The desired DDL changes the objects it creates only."),
					 errhint("Qualify the name with the target schema, or leave the statement out.")));
	}
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

	spi_exec_caller("SELECT p.oid, l.lanvalidator"
					" FROM pg_catalog.pg_proc p"
					" JOIN pg_catalog.pg_language l ON l.oid = p.prolang"
					" WHERE p.pronamespace = $1 AND p.prokind <> 'a' AND l.lanvalidator <> 0"
					" ORDER BY p.oid",
					1, types, values, NULL, false);
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
