using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Identity;

namespace OpsConsole.Core.Data;

/// <summary>The console's own database: identity now, each capability's tables as they arrive (schema "console").</summary>
public sealed class ConsoleDbContext(DbContextOptions<ConsoleDbContext> options)
    : IdentityDbContext<ConsoleUser, IdentityRole, string>(options)
{
    public const string Schema = "console";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        builder.Entity<ConsoleUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(200);
        });
    }
}
