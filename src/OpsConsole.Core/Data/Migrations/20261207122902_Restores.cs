using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Restores : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "restore_plans",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    database = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    backup_id = table.Column<Guid>(type: "uuid", nullable: false),
                    backup_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    from_latest = table.Column<bool>(type: "boolean", nullable: false),
                    new_database = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    target_oid = table.Column<long>(type: "bigint", nullable: true),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    created_by_id = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    details = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restore_plans", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "restores",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    plan_id = table.Column<Guid>(type: "uuid", nullable: false),
                    database = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    backup_id = table.Column<Guid>(type: "uuid", nullable: false),
                    phase = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    restored_into = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    set_aside = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    pre_restore_backup_id = table.Column<Guid>(type: "uuid", nullable: true),
                    requested_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    approved_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    swapped_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    restore_seconds = table.Column<double>(type: "double precision", nullable: true),
                    swap_milliseconds = table.Column<double>(type: "double precision", nullable: true),
                    keep_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    connections_cut_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    swapped_back_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    swapped_back_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    set_aside_dropped_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    error = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restores", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_restore_plans_database",
                schema: "console",
                table: "restore_plans",
                columns: new[] { "database", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_restores_database",
                schema: "console",
                table: "restores",
                columns: new[] { "database", "requested_at" });

            migrationBuilder.CreateIndex(
                name: "ix_restores_kept",
                schema: "console",
                table: "restores",
                column: "keep_until",
                filter: "set_aside IS NOT NULL AND set_aside_dropped_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "restore_plans",
                schema: "console");

            migrationBuilder.DropTable(
                name: "restores",
                schema: "console");
        }
    }
}
