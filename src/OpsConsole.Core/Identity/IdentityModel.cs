using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.Core.Identity.Sessions;

namespace OpsConsole.Core.Identity;

/// <summary>EF mapping of the account tables beside ASP.NET Core Identity's own: API tokens, wall displays, sessions.</summary>
internal sealed class IdentityModel : IConsoleModel
{
    public void Configure(ModelBuilder builder)
    {
        builder.Entity<ApiToken>(token =>
        {
            token.ToTable("ApiTokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Name).HasMaxLength(100);
            token.Property(t => t.DisplayPrefix).HasMaxLength(20);
            token.Property(t => t.RevokedBy).HasMaxLength(256);
            token.HasIndex(t => t.Hash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.HasOne<ConsoleUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<DisplayDevice>(device =>
        {
            device.ToTable("DisplayDevices");
            device.HasKey(d => d.Id);
            device.Property(d => d.Name).HasMaxLength(DisplayDeviceService.MaxNameLength);
            device.Property(d => d.CreatedBy).HasMaxLength(256);
            device.Property(d => d.RevokedBy).HasMaxLength(256);
            device.Property(d => d.LastSeenIp).HasMaxLength(64);
            device.Property(d => d.UserAgent).HasMaxLength(512);
            device.Property(d => d.Stamp).HasMaxLength(64);
            device.HasIndex(d => d.PairingCodeHash).IsUnique(); // PostgreSQL allows many NULLs: used codes are cleared
        });
        builder.Entity<UserSession>(session =>
        {
            session.ToTable("UserSessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.IpAddress).HasMaxLength(64);
            session.Property(s => s.UserAgent).HasMaxLength(512);
            session.Property(s => s.SecurityStamp).HasMaxLength(256);
            session.Property(s => s.EndedReason).HasMaxLength(200);
            session.Property(s => s.EndedBy).HasMaxLength(256);
            session.HasIndex(s => new { s.UserId, s.EndedAt });
            session.HasOne<ConsoleUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>The account tables as DbSets of the console's context.</summary>
public static class IdentityDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<ApiToken> ApiTokens => db.Set<ApiToken>();

        public DbSet<DisplayDevice> DisplayDevices => db.Set<DisplayDevice>();

        public DbSet<UserSession> UserSessions => db.Set<UserSession>();
    }
}
