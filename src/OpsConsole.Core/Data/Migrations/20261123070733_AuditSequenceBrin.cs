using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <summary>
    /// A BRIN index on the audit log's sequence. The log is append-only, so sequence follows the physical row order and a
    /// block-range index of a few dozen kilobytes (one entry per 128 pages) maps any sequence window to its heap pages; ANDed with the trigram
    /// bitmap it lets a free-text search read only the pages of the window it searches (AuditTextWindows).
    /// autosummarize keeps new ranges summarized without waiting for VACUUM (unsummarized ranges are simply always read).
    /// </summary>
    public partial class AuditSequenceBrin : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            ArgumentNullException.ThrowIfNull(migrationBuilder);
            migrationBuilder.Sql("CREATE INDEX ix_audit_log_sequence_brin ON console.audit_log USING brin (sequence) WITH (pages_per_range = 128, autosummarize = on)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            ArgumentNullException.ThrowIfNull(migrationBuilder);
            migrationBuilder.Sql("DROP INDEX IF EXISTS console.ix_audit_log_sequence_brin");
        }
    }
}
