namespace OpsConsole.Web.Features.Alerts.Runbooks;

/// <summary>
/// Which names may be runbooks: a relative path of plain segments ending in <c>.md</c>. Refused: <c>..</c> and
/// <c>.</c> segments, hidden files, absolute paths, backslashes, colons, percent signs and control characters, so a
/// name can neither leave the runbooks directory nor be read as a URL scheme or a drive.
/// </summary>
public static class RunbookPaths
{
    public const string Extension = ".md";
    private const int MaxLength = 260;

    /// <summary>The path with <c>/</c> between segments (a leading <c>./</c> dropped), or null when it is not a runbook name.</summary>
    public static string? Normalize(string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Length > MaxLength)
        {
            return null;
        }

        var segments = path.Split('/').ToList();
        while (segments.Count > 1 && segments[0] == ".")
        {
            segments.RemoveAt(0);
        }

        if (!segments.All(IsPlainSegment) || !segments[^1].EndsWith(Extension, StringComparison.OrdinalIgnoreCase) || segments[^1].Length == Extension.Length)
        {
            return null;
        }

        return string.Join('/', segments);
    }

    private static bool IsPlainSegment(string segment) =>
        segment.Length > 0
        && segment[0] != '.'
        && segment.Trim().Length == segment.Length
        && segment.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ');
}
