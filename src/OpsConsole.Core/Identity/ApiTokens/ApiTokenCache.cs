using System.Collections.Concurrent;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Identity.ApiTokens;

/// <summary>A token was revoked (one, or all of a user's): every instance forgets its cached validation at once.</summary>
public sealed record ApiTokensRevoked(Guid? TokenId, string? UserId);

/// <summary>
/// Accepted API tokens for a few seconds, so a service calling many times a second (the sign API, ingest) costs one
/// validation per <see cref="Lifetime"/> instead of three queries per call (measured: 366 calls/s to /api/v1/me with a
/// token vs 4,000/s anonymous on 2 busy cores). Revoking a token, or ending a user's sessions (disabled, roles changed,
/// password reset), evicts on every instance through live events; a lost event is bounded by <see cref="Lifetime"/>.
/// Only valid results are kept: a refused token is checked again each time, so it starts working the moment it may.
/// </summary>
public sealed class ApiTokenCache : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>Beyond this many tokens the cache starts over (a flood of distinct valid tokens is not a thing to hold).</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (ApiTokenValidation Validation, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<ApiTokenValidation>> _inflight = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IDisposable[] _subscriptions;

    public ApiTokenCache(ILiveEvents live, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(live);
        _time = time;
        _subscriptions =
        [
            live.Subscribe(IdentityTopics.SessionsRevoked, e => Evict(v => v.User?.Id == e.Payload.UserId)),
            live.Subscribe(IdentityTopics.TokensRevoked, e => Evict(v => v.Token?.Id == e.Payload.TokenId || (e.Payload.UserId is { } user && v.User?.Id == user))),
        ];
    }

    public int Count => _entries.Count;

    /// <summary>The cached validation of <paramref name="presented"/>, or <paramref name="validate"/>'s (kept when valid).</summary>
    public async Task<ApiTokenValidation> GetOrValidateAsync(string presented, Func<Task<ApiTokenValidation>> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        var now = _time.GetUtcNow();
        var key = Convert.ToHexString(ApiTokenService.HashOf(presented));
        if (_entries.TryGetValue(key, out var hit) && hit.Until > now)
        {
            return hit.Validation;
        }

        // Concurrent misses of one token share one validation: when a busy caller's entry expired, each of its requests
        // in flight validated on its own (32 at once in the keys harness, each a DbContext and three queries).
        var mine = new TaskCompletionSource<ApiTokenValidation>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _inflight.GetOrAdd(key, mine.Task);
        if (shared != mine.Task)
        {
            return await shared;
        }

        try
        {
            var validation = await validate();
            Store(key, validation, now);
            mine.SetResult(validation);
        }
        catch (Exception ex)
        {
            mine.SetException(ex);
        }
        finally
        {
            _inflight.TryRemove(KeyValuePair.Create(key, mine.Task));
        }

        return await mine.Task;
    }

    private void Store(string key, ApiTokenValidation validation, DateTimeOffset now)
    {
        if (validation.IsValid)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            var until = now + Lifetime;
            _entries[key] = (validation, validation.Token!.ExpiresAt < until ? validation.Token.ExpiresAt : until);
        }
        else
        {
            _entries.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets one token now (the instance that revoked it: the live event reaches the others, and this one a moment later).</summary>
    public void Forget(Guid tokenId) => Evict(v => v.Token?.Id == tokenId);

    /// <summary>Forgets every token of a user now (roles changed, disabled, password reset, signed out everywhere).</summary>
    public void ForgetUser(string userId) => Evict(v => v.User?.Id == userId);

    private Task Evict(Func<ApiTokenValidation, bool> matches)
    {
        foreach (var (key, entry) in _entries)
        {
            if (matches(entry.Validation))
            {
                _entries.TryRemove(key, out _);
            }
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }
}
