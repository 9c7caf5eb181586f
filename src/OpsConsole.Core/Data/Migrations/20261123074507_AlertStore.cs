using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class AlertStore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "alert_notifications",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    receiver = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    group_key = table.Column<string>(type: "text", nullable: false),
                    group_labels = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    not_before = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    claimed_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    http_status = table.Column<int>(type: "integer", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    alert_count = table.Column<int>(type: "integer", nullable: false),
                    payload_status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alert_notifications", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "alerts",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    fingerprint = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    severity = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    labels = table.Column<string>(type: "jsonb", nullable: false),
                    annotations = table.Column<string>(type: "jsonb", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    active_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    fired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolved_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    value = table.Column<double>(type: "double precision", nullable: true),
                    generator_url = table.Column<string>(type: "text", nullable: true),
                    origin = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    rule_key = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    external_url = table.Column<string>(type: "text", nullable: true),
                    ack_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ack_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ack_note = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    silenced_by = table.Column<Guid[]>(type: "uuid[]", nullable: false, defaultValueSql: "'{}'::uuid[]"),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alerts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "silences",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    matchers = table.Column<string>(type: "jsonb", nullable: false),
                    starts_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    comment = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    maintenance = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expired_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_silences", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "alert_timeline",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    alert_id = table.Column<long>(type: "bigint", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    actor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    from_state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    to_state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    text = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    silence_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alert_timeline", x => x.id);
                    table.ForeignKey(
                        name: "FK_alert_timeline_alerts_alert_id",
                        column: x => x.alert_id,
                        principalSchema: "console",
                        principalTable: "alerts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_alert_notifications_created_at",
                schema: "console",
                table: "alert_notifications",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_alert_notifications_group",
                schema: "console",
                table: "alert_notifications",
                columns: new[] { "receiver", "group_key", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_alert_notifications_pending",
                schema: "console",
                table: "alert_notifications",
                columns: new[] { "receiver", "group_key" },
                unique: true,
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_alert_notifications_status",
                schema: "console",
                table: "alert_notifications",
                columns: new[] { "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_alert_timeline_alert",
                schema: "console",
                table: "alert_timeline",
                columns: new[] { "alert_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_alerts_current",
                schema: "console",
                table: "alerts",
                columns: new[] { "source", "fingerprint" },
                unique: true,
                filter: "state <> 'resolved'");

            migrationBuilder.CreateIndex(
                name: "ix_alerts_episode",
                schema: "console",
                table: "alerts",
                columns: new[] { "source", "fingerprint", "active_at" });

            migrationBuilder.CreateIndex(
                name: "ix_alerts_labels",
                schema: "console",
                table: "alerts",
                column: "labels")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "jsonb_path_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_alerts_resolved_at",
                schema: "console",
                table: "alerts",
                column: "resolved_at");

            migrationBuilder.CreateIndex(
                name: "ix_alerts_state",
                schema: "console",
                table: "alerts",
                columns: new[] { "state", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_silences_ends_at",
                schema: "console",
                table: "silences",
                column: "ends_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alert_notifications",
                schema: "console");

            migrationBuilder.DropTable(
                name: "alert_timeline",
                schema: "console");

            migrationBuilder.DropTable(
                name: "silences",
                schema: "console");

            migrationBuilder.DropTable(
                name: "alerts",
                schema: "console");
        }
    }
}
