using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Backups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "backup_drills",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    database = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    backup_id = table.Column<Guid>(type: "uuid", nullable: false),
                    operation_id = table.Column<Guid>(type: "uuid", nullable: true),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    succeeded = table.Column<bool>(type: "boolean", nullable: false),
                    restore_seconds = table.Column<double>(type: "double precision", nullable: false),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    mismatches = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_backup_drills", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "backups",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    database = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    purpose = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    operation_id = table.Column<Guid>(type: "uuid", nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    file_name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    duration_seconds = table.Column<double>(type: "double precision", nullable: false),
                    pg_dump_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    server_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    manifest = table.Column<string>(type: "jsonb", nullable: false),
                    verified = table.Column<bool>(type: "boolean", nullable: false),
                    verified_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    verify_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    deleted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    deleted_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    delete_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_backups", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_backup_drills_database",
                schema: "console",
                table: "backup_drills",
                columns: new[] { "database", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_backups_kept",
                schema: "console",
                table: "backups",
                columns: new[] { "database", "completed_at" },
                filter: "deleted_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_backups_operation",
                schema: "console",
                table: "backups",
                column: "operation_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "backup_drills",
                schema: "console");

            migrationBuilder.DropTable(
                name: "backups",
                schema: "console");
        }
    }
}
