using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Reflection;

namespace OpsConsole.Core.Demo;

/// <summary>
/// <c>Demo</c>: the SampleShop demo platform the console starts beside itself (<c>./run.sh</c> turns it on,
/// <c>./run.sh --no-demo</c> off; off by default, so tests and plain hosts never start it).
/// </summary>
public sealed class DemoOptions : IValidatableObject
{
    public const string Section = "Demo";
    public const string TargetName = "sampleshop";
    public const string DefaultUrls = "http://127.0.0.1:5081";
    public const string UrlsEnvironmentVariable = "SAMPLESHOP_URLS";

    public bool Enabled { get; set; }

    /// <summary>Where SampleShop listens (its ASPNETCORE_URLS; ';' separates several). Default: env SAMPLESHOP_URLS, else http://127.0.0.1:5081.</summary>
    public string Urls { get; set; } = Environment.GetEnvironmentVariable(UrlsEnvironmentVariable) is { Length: > 0 } urls ? urls : DefaultUrls;

    /// <summary>SampleShop.dll; relative paths are resolved against the content root. Empty: the repository's build output.</summary>
    public string? Assembly { get; set; }

    /// <summary>
    /// SampleShop's own database connection string. Required when the console uses an external database
    /// (ConnectionStrings:Console); with the embedded cluster the console creates the sampleshop role and database itself.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether SampleShop runs its built-in traffic generator.</summary>
    public bool Traffic { get; set; } = true;

    /// <summary>The URL the console scrapes: the first of <see cref="Urls"/>, a wildcard host replaced by loopback, path /metrics.</summary>
    public Uri MetricsUrl()
    {
        var first = Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        // Kestrel's "any address" spellings; the scraper must connect to a real address.
        foreach (var wildcard in new[] { "://*", "://+" })
        {
            first = first.Replace(wildcard, "://127.0.0.1", StringComparison.Ordinal);
        }

        if (!Uri.TryCreate(first, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"Demo:Urls must start with an absolute http(s) URL (got \"{Urls}\").");
        }

        var builder = new UriBuilder(uri) { Path = "/metrics", Query = "" };
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
        {
            builder.Host = ip.Equals(IPAddress.Any) ? "127.0.0.1" : "[::1]";
        }

        return builder.Uri;
    }

    /// <summary>The configured SampleShop.dll, or the build output of the console's own configuration (Release/Debug), else the other one.</summary>
    public string ResolveAssembly(string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(Assembly))
        {
            return Path.GetFullPath(Path.IsPathRooted(Assembly) ? Assembly : Path.Combine(contentRoot, Assembly));
        }

        var own = typeof(DemoOptions).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var candidates = new[] { own, own == "Release" ? "Debug" : "Release" }
            .Select(configuration => Path.Combine(contentRoot, "src", "SampleShop", "bin", configuration, "net10.0", "SampleShop.dll"))
            .ToList();
        return candidates.FirstOrDefault(File.Exists) ?? candidates[0];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? error = null;
        try
        {
            MetricsUrl();
        }
        catch (FormatException ex)
        {
            error = ex.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult(error, [nameof(Urls)]);
        }
    }
}
