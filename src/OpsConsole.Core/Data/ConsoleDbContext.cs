using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Data;

/// <summary>The console's own database (schema "console"): accounts, and each capability's tables through <see cref="IConsoleModel"/>.</summary>
public sealed class ConsoleDbContext(DbContextOptions<ConsoleDbContext> options)
    : IdentityDbContext<ConsoleUser, IdentityRole, string>(options), IDataProtectionKeyContext
{
    public const string Schema = "console";

    private readonly List<Action> _afterCommit = [];

    /// <summary>
    /// Runs <paramref name="action"/> once the current transaction commits (at once when there is none): live events
    /// about a change must not reach other circuits before the change is visible, nor at all if it rolls back.
    /// </summary>
    public void OnCommitted(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (Database.CurrentTransaction is null)
        {
            action();
        }
        else
        {
            _afterCommit.Add(action);
        }
    }

    internal void RunCommitted(bool committed)
    {
        var actions = _afterCommit.ToArray();
        _afterCommit.Clear();
        if (committed)
        {
            foreach (var action in actions)
            {
                action();
            }
        }
    }

    /// <summary>The ASP.NET Core Data Protection key ring: cookies stay valid across restarts and instances.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        builder.Entity<ConsoleUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(200);
        });
        foreach (var model in ConsoleModels.All)
        {
            model.Configure(builder); // each capability's tables (IConsoleModel), found by reflection
        }
    }
}
