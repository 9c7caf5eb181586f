using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Tests.Identity.ApiTokens;

public sealed class ApiTokenCacheTests : IDisposable
{
    private readonly LiveEventBus _bus = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly ApiTokenCache _cache;
    private int _validations;

    public ApiTokenCacheTests() => _cache = new ApiTokenCache(_bus, _time);

    private static ApiTokenValidation Valid(string userId, Guid tokenId, DateTimeOffset expires) =>
        new(new ApiToken { Id = tokenId, UserId = userId, Name = "svc", ExpiresAt = expires, DisplayPrefix = "opc_abcd", Hash = [1] }, new ConsoleUser { Id = userId, UserName = userId }, ["Signer"], null);

    private Task<ApiTokenValidation> ValidateAsync(string presented, ApiTokenValidation answer) =>
        _cache.GetOrValidateAsync(presented, () =>
        {
            _validations++;
            return Task.FromResult(answer);
        });

    [Fact]
    public async Task A_valid_token_is_validated_once_per_lifetime_and_a_refused_one_every_time()
    {
        var valid = Valid("u1", Guid.NewGuid(), _time.GetUtcNow().AddDays(1));
        for (var i = 0; i < 100; i++)
        {
            Assert.True((await ValidateAsync("opc_a", valid)).IsValid);
        }

        Assert.Equal(1, _validations);
        _time.Advance(ApiTokenCache.Lifetime);
        await ValidateAsync("opc_a", valid);
        Assert.Equal(2, _validations);

        var refused = new ApiTokenValidation(null, null, [], ApiTokenRejection.Unknown);
        await ValidateAsync("opc_b", refused);
        await ValidateAsync("opc_b", refused);
        Assert.Equal(4, _validations);
    }

    [Fact]
    public async Task Concurrent_misses_of_one_token_share_one_validation_and_a_failed_one_is_not_kept()
    {
        var gate = new TaskCompletionSource<ApiTokenValidation>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var waiting = Enumerable.Range(0, 32).Select(_ => _cache.GetOrValidateAsync("opc_a", () =>
        {
            Interlocked.Increment(ref calls);
            return gate.Task;
        })).ToList();

        gate.SetResult(Valid("u1", Guid.NewGuid(), _time.GetUtcNow().AddDays(1)));
        Assert.All(await Task.WhenAll(waiting), v => Assert.True(v.IsValid));
        Assert.Equal(1, calls);

        // A validation that throws (the database is down) reaches every waiter and leaves nothing behind.
        var down = new TaskCompletionSource<ApiTokenValidation>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failing = Enumerable.Range(0, 4).Select(_ => _cache.GetOrValidateAsync("opc_b", () => down.Task)).ToList();
        down.SetException(new TimeoutException("database unavailable"));
        foreach (var task in failing)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => task);
        }

        Assert.True((await ValidateAsync("opc_b", Valid("u2", Guid.NewGuid(), _time.GetUtcNow().AddDays(1)))).IsValid);
        Assert.Equal(1, _validations);
    }

    [Fact]
    public async Task A_token_expiring_within_the_lifetime_is_checked_again_when_it_expires()
    {
        await ValidateAsync("opc_a", Valid("u1", Guid.NewGuid(), _time.GetUtcNow().AddSeconds(3)));
        _time.Advance(TimeSpan.FromSeconds(3));
        await ValidateAsync("opc_a", new ApiTokenValidation(null, null, [], ApiTokenRejection.Expired));

        Assert.Equal(2, _validations);
    }

    [Fact]
    public async Task Revoking_the_token_or_ending_the_users_sessions_evicts_at_once()
    {
        var token = Guid.NewGuid();
        await ValidateAsync("opc_a", Valid("u1", token, _time.GetUtcNow().AddDays(1)));
        await ValidateAsync("opc_b", Valid("u2", Guid.NewGuid(), _time.GetUtcNow().AddDays(1)));
        Assert.Equal(2, _cache.Count);

        // The bus delivers on its own thread: wait for the eviction, bounded.
        _bus.Publish(IdentityTopics.TokensRevoked, new ApiTokensRevoked(token, null));
        Assert.True(SpinWait.SpinUntil(() => _cache.Count == 1, TimeSpan.FromSeconds(5)));
        _bus.Publish(IdentityTopics.SessionsRevoked, new SessionsRevoked("u2", "account disabled"));
        Assert.True(SpinWait.SpinUntil(() => _cache.Count == 0, TimeSpan.FromSeconds(5)));

        await ValidateAsync("opc_a", new ApiTokenValidation(null, null, [], ApiTokenRejection.Revoked));
        Assert.Equal(3, _validations);
    }

    public void Dispose() => _cache.Dispose();
}
