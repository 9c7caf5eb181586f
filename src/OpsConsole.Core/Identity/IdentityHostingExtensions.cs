using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Identity;

public static class IdentityHostingExtensions
{
    public const int MinimumPasswordLength = 12;

    /// <summary>Local accounts on the EF stores, the console's password policy, lockout and named policies.</summary>
    public static IdentityBuilder AddConsoleIdentity(this IHostApplicationBuilder builder, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System); // Try: a test host may bring its own clock
        builder.Services.AddSingleton(new InitialAdminPasswordFile(dataDirectory));
        builder.Services.AddScoped<AccountService>();
        builder.Services.AddScoped<LocalSignInService>();
        builder.Services.AddScoped<IDatabaseSeeder, BootstrapAdminSeeder>();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddScoped<ApiTokens.ApiTokenService>();
        builder.Services.AddSingleton<ApiTokens.ApiTokenCache>();
        builder.Services.AddScoped<Users.UserAdministrationService>();
        builder.Services.AddScoped<Displays.DisplayDeviceService>();
        builder.Services.AddScoped<Sessions.UserSessionService>();
        builder.Services.TryAddSingleton<SystemStatus.CircuitTracker>(); // session lists count open circuits
        builder.Services.AddSingleton<SessionRevocations>();
        // The audit page shows these targets by name (one query per type per page of records).
        builder.Services.AddScoped<Audit.Search.IAuditTargetNameSource, UserAuditNames>();
        builder.Services.AddScoped<Audit.Search.IAuditTargetNameSource, TokenAuditNames>();
        builder.Services.AddScoped<Audit.Search.IAuditTargetNameSource, DisplayAuditNames>();
        builder.Services.AddScoped<Audit.Search.IAuditTargetNameSource, SessionAuditNames>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionRevocations>());
        // The key ring lives in PostgreSQL, so sign-in cookies survive restarts and work on every instance.
        builder.Services.AddDataProtection()
            .SetApplicationName("OpsConsole")
            .PersistKeysToDbContext<ConsoleDbContext>();
        builder.Services.AddAuthorizationBuilder();
        builder.Services.Configure<Microsoft.AspNetCore.Authorization.AuthorizationOptions>(o => o.AddConsolePolicies());

        return builder.Services
            .AddIdentityCore<ConsoleUser>(options =>
            {
                // Length over composition rules (NIST SP 800-63B): 12+ characters, anything allowed.
                options.Password.RequiredLength = MinimumPasswordLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 4;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.User.RequireUniqueEmail = false;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ConsoleDbContext>()
            .AddSignInManager<Sessions.ConsoleSignInManager>()
            .AddDefaultTokenProviders()
            .AddErrorDescriber<ConsoleIdentityErrorDescriber>()
            .AddPasswordValidator<NewPasswordDiffersValidator>()
            .AddClaimsPrincipalFactory<ConsoleUserClaimsPrincipalFactory>();
    }
}
