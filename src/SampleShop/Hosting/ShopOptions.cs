using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SampleShop.Hosting;

/// <summary>The <c>SampleShop</c> section: rate limit, injected faults and latency, the traffic generator.</summary>
public sealed class ShopOptions
{
    public const string Section = "SampleShop";

    [Required]
    [ValidateObjectMembers]
    public RateLimitOptions RateLimit { get; set; } = new();

    [Required]
    [ValidateObjectMembers]
    public FaultOptions Faults { get; set; } = new();

    [Required]
    [ValidateObjectMembers]
    public TrafficOptions Traffic { get; set; } = new();

    [Required]
    [ValidateObjectMembers]
    public ShopSessionOptions Sessions { get; set; } = new();

    /// <summary>The process that launched the shop (the console); the shop stops when it is gone. Null: not watched.</summary>
    [Range(1, int.MaxValue)]
    public int? ParentProcessId { get; set; }
}

/// <summary>A token bucket per client address on the API: a burst of <see cref="TokenLimit"/>, refilled per second.</summary>
public sealed class RateLimitOptions
{
    [Range(1, 100_000)]
    public int TokenLimit { get; set; } = 20;

    [Range(1, 100_000)]
    public int TokensPerSecond { get; set; } = 10;
}

/// <summary>What makes the shop's golden signals interesting: some slow requests and a few payment failures.</summary>
public sealed class FaultOptions : IValidatableObject
{
    /// <summary>Share of order placements that fail with 502 (the simulated payment provider is down).</summary>
    [Range(0.0, 1.0)]
    public double PaymentFailureRate { get; set; } = 0.03;

    /// <summary>Share of API requests that take <see cref="SlowLatencyMin"/>..<see cref="SlowLatencyMax"/> extra.</summary>
    [Range(0.0, 1.0)]
    public double SlowRequestRate { get; set; } = 0.06;

    /// <summary>Every API request waits up to this long (uniformly), like a call to a downstream service.</summary>
    public TimeSpan BaseLatencyMax { get; set; } = TimeSpan.FromMilliseconds(30);

    public TimeSpan SlowLatencyMin { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan SlowLatencyMax { get; set; } = TimeSpan.FromMilliseconds(1200);

    /// <summary>Share of API requests answered 500 (a simulated outage), from the start; 0 by default.</summary>
    [Range(0.0, 1.0)]
    public double ServerErrorRate { get; set; }

    /// <summary>
    /// Maps <c>/admin/faults/error-burst</c>, which starts or ends a burst of 500s at run time (demos, the alerting e2e
    /// test). Off by default: anyone who can reach the shop could make it fail.
    /// </summary>
    public bool ControlEndpoint { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var limit = TimeSpan.FromSeconds(30);
        if (BaseLatencyMax < TimeSpan.Zero || BaseLatencyMax > limit)
        {
            yield return new ValidationResult("SampleShop:Faults:BaseLatencyMax must be between 0 and 00:00:30.", [nameof(BaseLatencyMax)]);
        }

        if (SlowLatencyMin < TimeSpan.Zero || SlowLatencyMax > limit || SlowLatencyMin > SlowLatencyMax)
        {
            yield return new ValidationResult(
                "SampleShop:Faults:SlowLatencyMin must be at least 0 and not above SlowLatencyMax, which is at most 00:00:30.",
                [nameof(SlowLatencyMin), nameof(SlowLatencyMax)]);
        }
    }
}

/// <summary>
/// The built-in load: <see cref="RequestsPerSecond"/> steady, plus every <see cref="BurstInterval"/> a burst of
/// <see cref="BurstRequests"/> that exceeds the rate limit. Never more than <see cref="MaxConcurrency"/> requests in
/// flight nor <see cref="MaxRequestsPerSecond"/> started per second, whatever the server does.
/// </summary>
public sealed class TrafficOptions : IValidatableObject
{
    public bool Enabled { get; set; }

    /// <summary>Where to send requests; empty means the shop's own first listening address.</summary>
    public string? BaseUrl { get; set; }

    [Range(0.1, 50.0)]
    public double RequestsPerSecond { get; set; } = 4;

    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 8;

    [Range(1, 500)]
    public int MaxRequestsPerSecond { get; set; } = 100;

    public TimeSpan FirstBurstAfter { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan BurstInterval { get; set; } = TimeSpan.FromSeconds(45);

    [Range(0, 1000)]
    public int BurstRequests { get; set; } = 60;

    /// <summary>A request that takes longer is abandoned (counted as a timeout).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RequestsPerSecond > MaxRequestsPerSecond)
        {
            yield return new ValidationResult(
                "SampleShop:Traffic:RequestsPerSecond must not exceed SampleShop:Traffic:MaxRequestsPerSecond.", [nameof(RequestsPerSecond)]);
        }

        if (BurstInterval < TimeSpan.FromSeconds(5))
        {
            yield return new ValidationResult("SampleShop:Traffic:BurstInterval must be at least 00:00:05.", [nameof(BurstInterval)]);
        }

        if (FirstBurstAfter < TimeSpan.Zero)
        {
            yield return new ValidationResult("SampleShop:Traffic:FirstBurstAfter must not be negative.", [nameof(FirstBurstAfter)]);
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("SampleShop:Traffic:RequestTimeout must be positive and at most 00:01:00.", [nameof(RequestTimeout)]);
        }

        if (!string.IsNullOrWhiteSpace(BaseUrl) && (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"SampleShop:Traffic:BaseUrl must be an absolute http(s) URL (got \"{BaseUrl}\").", [nameof(BaseUrl)]);
        }
    }
}

/// <summary>
/// Customer sessions (<c>SampleShop:Sessions</c>): tokens minted through the console's sign API and validated against its
/// JWKS. Off unless <see cref="ConsoleUrl"/> is set; minting also needs <see cref="SignToken"/> (a Signer API token).
/// </summary>
public sealed class ShopSessionOptions : IValidatableObject
{
    /// <summary>The console's base address, e.g. http://127.0.0.1:5190/ (sign API and JWKS).</summary>
    public string? ConsoleUrl { get; set; }

    /// <summary>The key ring that signs the shop's tokens.</summary>
    [RegularExpression("^[a-z0-9][a-z0-9_-]{0,39}$")]
    public string Ring { get; set; } = "sampleshop";

    /// <summary>A console API token with the Signer role (a secret: from the environment, never from a file in git).</summary>
    public string? SignToken { get; set; }

    public string Issuer { get; set; } = "sampleshop";

    public string Audience { get; set; } = "sampleshop-api";

    /// <summary>A session token's lifetime; at most the ring's MaxTokenLifetime (the console refuses longer).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(ConsoleUrl);

    public Uri JwksUrl => new(new Uri(ConsoleUrl!), $"/keys/{Ring}/jwks.json");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && (!Uri.TryCreate(ConsoleUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"SampleShop:Sessions:ConsoleUrl must be an absolute http(s) URL (got \"{ConsoleUrl}\").", [nameof(ConsoleUrl)]);
        }

        if (Lifetime <= TimeSpan.Zero || Lifetime > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult("SampleShop:Sessions:Lifetime must be positive and at most 1.00:00:00.", [nameof(Lifetime)]);
        }
    }
}

/// <summary>Validates the whole tree (nested sections included) at start; generated at compile time.</summary>
[OptionsValidator]
public sealed partial class ShopOptionsValidator : IValidateOptions<ShopOptions>;
