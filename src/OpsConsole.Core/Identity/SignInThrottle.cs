using System.Threading.RateLimiting;
using Microsoft.Extensions.Configuration;

namespace OpsConsole.Core.Identity;

/// <summary>
/// Sign-in attempts per account name (the per-address limit is the rate-limiter middleware's). Keyed by the name as
/// typed, whether or not such an account exists, so the limit itself reveals nothing; lockout still applies on top.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SignInThrottle(IConfiguration configuration)
    {
        var perMinute = configuration.GetValue("Security:SignInAttemptsPerAccountPerMinute", 10);
        _limiter = PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetFixedWindowLimiter(account, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>False when this account name has used up its attempts for the current minute.</summary>
    public bool TryAttempt(string userName)
    {
        using var lease = _limiter.AttemptAcquire((userName ?? "").Trim().ToUpperInvariant());
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
