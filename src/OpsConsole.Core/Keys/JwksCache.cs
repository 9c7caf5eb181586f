using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Keys;

/// <summary>
/// The published JWKS, per ring and of all rings together, served from memory. At start it creates every configured
/// ring's first key (<see cref="KeyRingStore.EnsureActiveAsync"/>), then rebuilds on <c>keys.changed</c> (any instance),
/// at the next instant the published set changes (a key published, removed or revoked), and every
/// <see cref="SafetyRefresh"/> in case an event was missed. With no ring configured it never touches the database.
/// </summary>
public sealed partial class JwksCache(
    ConfiguredKeyRings rings,
    IServiceScopeFactory scopes,
    ILiveEvents live,
    DatabaseStartupService database,
    TimeProvider time,
    ILogger<JwksCache> logger) : BackgroundService
{
    public static readonly TimeSpan SafetyRefresh = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _changed = new(0);
    private volatile Published _published = Published.Empty(rings.Rings);

    /// <summary>Every ring's published keys, rings in name order.</summary>
    public JwksDocument All => _published.All;

    /// <summary>The ring's published keys, or null for a ring that is not configured.</summary>
    public JwksDocument? ForRing(string ring) => _published.ByRing.GetValueOrDefault(ring);

    /// <summary>
    /// The kid that signs for <paramref name="ring"/> at <paramref name="now"/>, from the versions last read (no database):
    /// an activation or a retirement needs no rebuild, since the instants are in the versions.
    /// </summary>
    public string? SigningKid(string ring, DateTimeOffset now) =>
        VersionsOf(ring) is { } versions ? KeyTimeline.Signing(versions, now)?.Kid : null;

    /// <summary>The ring's versions as last read, or null before the first read (or for a ring that is not configured).</summary>
    public IReadOnlyList<KeyVersion>? VersionsOf(string ring) =>
        _published.Versions.GetValueOrDefault(ring);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (rings.Rings.Count == 0)
        {
            return;
        }

        using var subscription = live.Subscribe(KeyTopics.Changed, _ =>
        {
            _changed.Release();
            return Task.CompletedTask;
        });
        await database.Ready.WaitAsync(stoppingToken);
        var ensured = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                if (!ensured)
                {
                    await EnsureFirstKeysAsync(stoppingToken);
                    ensured = true;
                }

                var next = await RebuildAsync(stoppingToken);
                var now = time.GetUtcNow();
                wait = next is { } at && at - now < SafetyRefresh ? at - now : SafetyRefresh;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRebuildFailed(ex);
                wait = RetryAfterFailure;
            }

            using var timeout = new CancellationTokenSource(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                await _changed.WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // the boundary or the safety refresh: rebuild
            }
        }
    }

    private async Task EnsureFirstKeysAsync(CancellationToken cancellationToken)
    {
        foreach (var ring in rings.Rings)
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<KeyRingStore>().EnsureActiveAsync(ring, cancellationToken))
            {
                LogFirstKeyCreated(ring.Name);
            }
        }
    }

    /// <summary>Reads every ring's keys and swaps in the new documents; returns the next instant the published set changes.</summary>
    internal async Task<DateTimeOffset?> RebuildAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<SigningKeyView> keys;
        await using (var scope = scopes.CreateAsyncScope())
        {
            keys = await scope.ServiceProvider.GetRequiredService<KeyRingStore>().ReadAsync([.. rings.Rings.Select(r => r.Name)], cancellationToken);
        }

        var now = time.GetUtcNow();
        var byRing = new Dictionary<string, JwksDocument>(StringComparer.Ordinal);
        var versionsByRing = new Dictionary<string, IReadOnlyList<KeyVersion>>(StringComparer.Ordinal);
        var all = new List<PublicJwk>();
        foreach (var ring in rings.Rings)
        {
            var ringKeys = keys.Where(k => k.Ring == ring.Name).ToList();
            var published = KeyTimeline.Snapshot(ring, [.. ringKeys.Select(k => k.Version)], now).Published;
            var jwks = published.Select(v => ringKeys.First(k => k.Kid == v.Kid).PublicJwk).ToList();
            byRing[ring.Name] = Jwks.Build(jwks);
            versionsByRing[ring.Name] = [.. ringKeys.Select(k => k.Version)];
            all.AddRange(jwks);
        }

        _published = new Published(Jwks.Build(all), byRing, versionsByRing);
        return NextChange(keys.Select(k => k.Version), now);
    }

    /// <summary>
    /// The next instant after <paramref name="now"/> at which a JWKS changes: a key's publication, removal or revocation. An
    /// activation or a retirement changes who signs, not what is published.
    /// </summary>
    public static DateTimeOffset? NextChange(IEnumerable<KeyVersion> versions, DateTimeOffset now) =>
        versions
            .SelectMany(v => new[] { v.PublishAt, v.RemoveAt, v.RevokedAt })
            .Where(at => at > now)
            .Min();

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }

    private sealed record Published(JwksDocument All, IReadOnlyDictionary<string, JwksDocument> ByRing, IReadOnlyDictionary<string, IReadOnlyList<KeyVersion>> Versions)
    {
        public static Published Empty(IReadOnlyList<KeyRing> rings)
        {
            var empty = Jwks.Build([]);
            return new Published(empty, rings.ToDictionary(r => r.Name, _ => empty, StringComparer.Ordinal), new Dictionary<string, IReadOnlyList<KeyVersion>>(StringComparer.Ordinal));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signing key ring {Ring} had no key: its first key was created")]
    private partial void LogFirstKeyCreated(string ring);

    [LoggerMessage(Level = LogLevel.Error, Message = "The JWKS could not be rebuilt from the database; the previous one is served, retrying")]
    private partial void LogRebuildFailed(Exception exception);
}
