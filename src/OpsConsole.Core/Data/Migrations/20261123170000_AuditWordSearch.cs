using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <summary>
    /// Free text in the audit log becomes a word search (docs/architecture.md, "Free text"): a stored column of the words
    /// of the reason and the details, with one GIN index, replaces the two trigram indexes. A rare word is then one short
    /// posting list, where a rare substring needed the long posting lists of its common trigrams over the whole log (the
    /// 20 ms p99 goal). The column is stored, not just indexed, because splitting a record into words costs about 9 µs
    /// and a search re-checks whole heap pages when its bitmap is lossy; reading the stored words costs about 1 µs.
    /// It is derived data, outside the hashed canonical form. The two functions are the single definition of a word.
    /// They are declared IMMUTABLE, as to_tsvector is, although lower() and [[:alnum:]] follow the database's locale.
    /// On an existing log the column rewrites the table and its indexes once: about 5 minutes for 10 million records on
    /// 2 cores (README, External PostgreSQL).
    /// </summary>
    public partial class AuditWordSearch : Migration
    {
        /// <summary>
        /// A word is a run of letters and digits, lower-cased; runs joined by - _ . : / @ also form one compound word
        /// (node-42, 10.0.42.7, db_main), so an identifier is found whole and by its parts. Words over 100 characters and
        /// text past the first 64 KiB are not indexed: the function must never fail, or the audit write (and with it
        /// the action) would. PL/pgSQL, not SQL: it runs at every append, and PL/pgSQL keeps its plans for the session
        /// where a SQL function is planned again for every COPY batch (78 against 100 µs of PostgreSQL CPU per record).
        /// </summary>
        internal const string WordsFunction = """
            CREATE FUNCTION console.audit_words(reason text, details jsonb) RETURNS tsvector
            LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
            DECLARE
              t text := lower(left(coalesce(reason, '') || ' ' || coalesce(details::text, ''), 65536));
              words text[] := regexp_split_to_array(t, '[^[:alnum:]]+');
            BEGIN
              IF t ~ '[[:alnum:]][-_.:/@][[:alnum:]]' THEN
                words := words || ARRAY(SELECT (regexp_matches(t, '[[:alnum:]]+(?:[-_.:/@][[:alnum:]]+)+', 'g'))[1]);
              END IF;
              IF length(t) > 100 THEN
                words := ARRAY(SELECT w FROM unnest(words) AS w WHERE length(w) <= 100);
              END IF;
              RETURN array_to_tsvector(array_remove(words, ''));
            END
            $$
            """;

        /// <summary>
        /// The query side: every word of the search text must be present (AND); a word ending in * matches the words it
        /// starts. Quoting each word makes the tsquery literal (a word has no quote or backslash). No word gives NULL,
        /// which matches nothing.
        /// </summary>
        internal const string QueryFunction = """
            CREATE FUNCTION console.audit_words_query(search text) RETURNS tsquery
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
              SELECT string_agg('''' || m[1] || '''' || CASE WHEN m[2] = '*' THEN ':*' ELSE '' END, ' & ')::tsquery
              FROM regexp_matches(lower(search), '([[:alnum:]]+(?:[-_.:/@][[:alnum:]]+)*)(\*?)', 'g') AS m
            $$
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            ArgumentNullException.ThrowIfNull(migrationBuilder);
            migrationBuilder.Sql(WordsFunction);
            migrationBuilder.Sql(QueryFunction);
            migrationBuilder.Sql("ALTER TABLE console.audit_log ADD COLUMN words tsvector GENERATED ALWAYS AS (console.audit_words(reason, details)) STORED");
            migrationBuilder.Sql("CREATE INDEX ix_audit_log_words ON console.audit_log USING gin (words)");
            migrationBuilder.Sql("DROP INDEX IF EXISTS console.ix_audit_log_reason_trgm");
            migrationBuilder.Sql("DROP INDEX IF EXISTS console.ix_audit_log_details_trgm");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            ArgumentNullException.ThrowIfNull(migrationBuilder);
            migrationBuilder.Sql("""CREATE INDEX ix_audit_log_reason_trgm ON console.audit_log USING gin (reason gin_trgm_ops) WHERE reason IS NOT NULL""");
            migrationBuilder.Sql("""CREATE INDEX ix_audit_log_details_trgm ON console.audit_log USING gin ((details::text) gin_trgm_ops)""");
            migrationBuilder.Sql("DROP INDEX IF EXISTS console.ix_audit_log_words");
            migrationBuilder.Sql("ALTER TABLE console.audit_log DROP COLUMN IF EXISTS words");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS console.audit_words_query(text)");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS console.audit_words(text, jsonb)");
        }
    }
}
