using System.ComponentModel.DataAnnotations;

// Not "…Metrics.Prometheus": that namespace would shadow prometheus-net's `Prometheus` in all of OpsConsole.Core.Metrics.*.
namespace OpsConsole.Core.Metrics.RemotePrometheus;

/// <summary>
/// <c>Metrics:Prometheus</c>: an optional Prometheus server that keeps the long history. Charts beyond the in-memory
/// retention and the explore page query it through its HTTP API.
/// </summary>
public sealed class PrometheusOptions : IValidatableObject
{
    public const string Section = "Metrics:Prometheus";

    /// <summary>The server's base address, e.g. http://prometheus:9090 (a path prefix behind a proxy is kept).</summary>
    public string? Url { get; set; }

    /// <summary>How long one query may take in all, retries included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Sent as <c>Authorization: Bearer …</c> (a Prometheus behind an authenticating proxy).</summary>
    public string? BearerToken { get; set; }

    /// <summary>With <see cref="Password"/>: HTTP basic authentication (Prometheus's own web.config.file, or a proxy).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// Console target name → the Prometheus <c>job</c> that scrapes the same service, when they differ. Queries with
    /// <c>job="&lt;target&gt;"</c> are sent with the Prometheus job, and results come back under the target's name.
    /// </summary>
    public Dictionary<string, string> JobLabels { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"{Section}:Url must be an absolute http(s) URL (got \"{Url}\").", [nameof(Url)]);
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:Timeout must be positive (got {Timeout}).", [nameof(Timeout)]);
        }

        if (!string.IsNullOrEmpty(BearerToken) && !string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult($"{Section}:BearerToken and {Section}:Username cannot both be set; choose one way to authenticate.", [nameof(BearerToken)]);
        }

        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult($"{Section}:Password needs {Section}:Username.", [nameof(Password)]);
        }

        foreach (var (target, job) in JobLabels)
        {
            if (string.IsNullOrWhiteSpace(job))
            {
                yield return new ValidationResult($"{Section}:JobLabels:{target} must name a Prometheus job.", [nameof(JobLabels)]);
            }
        }

        foreach (var duplicate in JobLabels.GroupBy(p => p.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            // Results are mapped back from the Prometheus job to the target name, which must be unambiguous.
            yield return new ValidationResult($"{Section}:JobLabels maps more than one target to the job \"{duplicate.Key}\".", [nameof(JobLabels)]);
        }
    }
}
