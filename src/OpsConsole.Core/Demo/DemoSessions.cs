using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Keys;

namespace OpsConsole.Core.Demo;

/// <summary>Settings the supervisor adds to SampleShop's environment at each launch (secrets included: the environment is how a real deployment injects them).</summary>
public interface ISampleShopEnvironment
{
    Task<IReadOnlyDictionary<string, string>> GetAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Points SampleShop's customer sessions at the console, as a team would: a service account "sampleshop" with only the
/// Signer role, an API token for it (a new one per console start; the previous ones revoked), the console's address for
/// the sign API and the JWKS, and the ring. Nothing when the demo's ring is not configured.
/// </summary>
public sealed partial class DemoSessions(
    IServiceScopeFactory scopes,
    ILocalAddress local,
    IHostApplicationLifetime lifetime,
    DatabaseStartupService database,
    ConfiguredKeyRings rings,
    ILogger<DemoSessions> logger) : ISampleShopEnvironment
{
    public const string Account = "sampleshop";
    public const string TokenName = "sampleshop-demo-sessions";

    /// <summary>Longer than any demo runs between restarts; a restart makes a new one.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(CancellationToken cancellationToken)
    {
        if (rings.Find(DemoKeys.SampleShopRing) is null)
        {
            return new Dictionary<string, string>();
        }

        // The address is known once the server listens; the account needs the schema.
        await WhenStartedAsync(cancellationToken);
        await database.Ready.WaitAsync(cancellationToken);
        if (local.BaseAddress is not { } console)
        {
            LogNoAddress();
            return new Dictionary<string, string>();
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            _token ??= await CreateTokenAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        return new Dictionary<string, string>
        {
            ["SampleShop__Sessions__ConsoleUrl"] = console.ToString(),
            ["SampleShop__Sessions__Ring"] = DemoKeys.SampleShopRing,
            ["SampleShop__Sessions__SignToken"] = _token,
        };
    }

    private async Task<string> CreateTokenAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var user = await users.FindByNameAsync(Account);
        if (user is null)
        {
            // Its one-time password is never shown: the account only ever uses its token.
            _ = await scope.ServiceProvider.GetRequiredService<AccountService>().CreateUserAuditedAsync(AuditActors.System, Account, ConsoleRoles.Signer);
            user = await users.FindByNameAsync(Account) ?? throw new InvalidOperationException($"The {Account} account was not created.");
        }

        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokenService>();
        foreach (var old in (await tokens.ListAsync(user.Id, ct)).Where(t => t.Name == TokenName && t.RevokedAt is null))
        {
            await tokens.RevokeAsync(old.Id, "demo setup", ct);
        }

        var created = await tokens.CreateAsync(user, TokenName, TokenLifetime, [ConsoleRoles.Signer], ct, AuditActors.System);
        LogCreated(Account, created.Token.ExpiresAt);
        return created.Secret;
    }

    private async Task WhenStartedAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: SampleShop signs its session tokens through the sign API as {Account} (token valid until {ExpiresAt:u})")]
    private partial void LogCreated(string account, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo: the console reported no http address; SampleShop runs without console-signed sessions")]
    private partial void LogNoAddress();
}
