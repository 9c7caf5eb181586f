using Microsoft.Extensions.Options;

namespace OpsConsole.Web.Features.Alerts.Runbooks;

/// <summary>
/// Turns a <c>runbook_url</c> annotation into a link people may follow. An absolute http(s) URL is kept as it is; a path
/// on this console (<c>/…</c>) too. A relative path names a runbook the console serves: relative to the content root
/// when it starts with the runbooks directory (<c>docs/runbooks/sampleshop.md#targetdown</c>, as rules in the
/// repository write it), else relative to that directory (<c>sampleshop.md</c>); both become
/// <c>/runbooks/sampleshop.md#…</c>. Anything else (<c>javascript:</c>, <c>data:</c>, <c>//host</c>, <c>..</c>) is no link.
/// </summary>
public sealed class RunbookLinks(IOptions<RunbookOptions> options)
{
    public const string RoutePrefix = "/runbooks/";

    private readonly string _directoryPrefix = DirectoryPrefix(options.Value.RunbookDirectory);

    /// <summary>The href for the annotation, or null when it must be shown as text.</summary>
    public string? Href(string? annotation)
    {
        var url = annotation?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        if (url[0] is '/' or '\\')
        {
            return IsConsolePath(url) ? url : null;
        }

        // A colon before any slash is a scheme (or a drive): only http(s) may be followed.
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var slash = url.IndexOf('/', StringComparison.Ordinal);
        if (colon >= 0 && (slash < 0 || colon < slash))
        {
            return Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? url : null;
        }

        return Relative(url);
    }

    /// <summary>A path on this console: <c>/x</c> but not <c>//host</c> or <c>/\host</c>, which browsers treat as another host.</summary>
    public static bool IsConsolePath(string url) =>
        url.Length > 0 && url[0] == '/' && (url.Length == 1 || url[1] is not ('/' or '\\'));

    /// <summary>The console route of a runbook path relative to the runbooks directory (segments escaped, fragment kept).</summary>
    public static string Route(string normalizedPath, string? fragment = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedPath);
        var route = RoutePrefix + string.Join('/', normalizedPath.Split('/').Select(Uri.EscapeDataString));
        return string.IsNullOrEmpty(fragment) ? route : route + "#" + Uri.EscapeDataString(fragment);
    }

    private string? Relative(string url)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var (path, fragment) = hash < 0 ? (url, null) : (url[..hash], url[(hash + 1)..]);
        if (path.Contains('?', StringComparison.Ordinal))
        {
            return null;
        }

        if (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        if (_directoryPrefix.Length > 0 && path.StartsWith(_directoryPrefix, StringComparison.Ordinal))
        {
            path = path[_directoryPrefix.Length..];
        }

        return RunbookPaths.Normalize(path) is { } normalized ? Route(normalized, fragment) : null;
    }

    /// <summary>"docs/runbooks" → "docs/runbooks/"; an absolute directory has no prefix that annotations could repeat.</summary>
    private static string DirectoryPrefix(string? directory)
    {
        var trimmed = (directory ?? "").Replace('\\', '/').Trim().TrimEnd('/');
        while (trimmed.StartsWith("./", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        return trimmed.Length == 0 || Path.IsPathRooted(trimmed) ? "" : trimmed + "/";
    }
}
