using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class MigrationRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "migration_runs",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    database = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    fingerprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    plan = table.Column<string>(type: "jsonb", nullable: false),
                    up_to = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    rehearsal_id = table.Column<Guid>(type: "uuid", nullable: true),
                    backup_id = table.Column<Guid>(type: "uuid", nullable: true),
                    backup_file = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    requested_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    succeeded = table.Column<bool>(type: "boolean", nullable: true),
                    error = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    failed_file = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    failed_line = table.Column<int>(type: "integer", nullable: true),
                    outcomes = table.Column<string>(type: "jsonb", nullable: false),
                    warning = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_migration_runs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_migration_runs_database",
                schema: "console",
                table: "migration_runs",
                columns: new[] { "database", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "ix_migration_runs_fingerprint",
                schema: "console",
                table: "migration_runs",
                columns: new[] { "database", "fingerprint", "kind" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "migration_runs",
                schema: "console");
        }
    }
}
