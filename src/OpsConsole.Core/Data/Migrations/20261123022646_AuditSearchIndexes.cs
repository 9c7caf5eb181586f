using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <summary>
    /// Indexes of the audit log's read side (docs/architecture.md, "Reading the audit log"): one B-tree per filter
    /// column, keyed (column COLLATE "C", sequence DESC), so a filtered page is an ordered index range cut at the keyset
    /// cursor; trigram GIN indexes for free text in the reason and the details. Raw SQL, not the EF model: collations,
    /// DESC keys, partial and expression indexes and operator classes are PostgreSQL specifics the search's own SQL
    /// relies on. pg_trgm is a trusted extension (the database owner may create it).
    /// </summary>
    public partial class AuditSearchIndexes : Migration
    {
        private static readonly string[] Indexes =
        [
            """CREATE INDEX ix_audit_log_action_sequence ON console.audit_log (action COLLATE "C", sequence DESC)""",
            """CREATE INDEX ix_audit_log_actor_name_sequence ON console.audit_log (actor_name COLLATE "C", sequence DESC)""",
            """CREATE INDEX ix_audit_log_actor_id_sequence ON console.audit_log (actor_id COLLATE "C", sequence DESC) WHERE actor_id IS NOT NULL""",
            """CREATE INDEX ix_audit_log_target_type_sequence ON console.audit_log (target_type COLLATE "C", sequence DESC)""",
            """CREATE INDEX ix_audit_log_target_id_sequence ON console.audit_log (target_id COLLATE "C", sequence DESC) WHERE target_id IS NOT NULL""",
            """CREATE INDEX ix_audit_log_outcome_sequence ON console.audit_log (outcome COLLATE "C", sequence DESC)""",
            // "Failed backups", "denied identity.*": an outcome with an action set is one exact range per action.
            """CREATE INDEX ix_audit_log_outcome_action_sequence ON console.audit_log (outcome COLLATE "C", action COLLATE "C", sequence DESC)""",
            """CREATE INDEX ix_audit_log_reason_trgm ON console.audit_log USING gin (reason gin_trgm_ops) WHERE reason IS NOT NULL""",
            """CREATE INDEX ix_audit_log_details_trgm ON console.audit_log USING gin ((details::text) gin_trgm_ops)""",
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            ArgumentNullException.ThrowIfNull(migrationBuilder);
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS pg_trgm");
            foreach (var index in Indexes)
            {
                migrationBuilder.Sql(index);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            ArgumentNullException.ThrowIfNull(migrationBuilder);
            foreach (var index in Indexes)
            {
                var name = index.Split(' ')[2];
                migrationBuilder.Sql($"DROP INDEX IF EXISTS console.{name}");
            }
        }
    }
}
