using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace OpsConsole.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class SecretRotations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "secret_declarations",
                schema: "console",
                columns: table => new
                {
                    secret = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    first_declared_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_secret_declarations", x => x.secret);
                });

            migrationBuilder.CreateTable(
                name: "secret_rotations",
                schema: "console",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    secret = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    rotated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recorded_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_secret_rotations", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_secret_rotations_secret",
                schema: "console",
                table: "secret_rotations",
                columns: new[] { "secret", "rotated_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "secret_declarations",
                schema: "console");

            migrationBuilder.DropTable(
                name: "secret_rotations",
                schema: "console");
        }
    }
}
