using Microsoft.Extensions.Options;

namespace OpsConsole.Web.Features.Alerts.Runbooks;

/// <summary>A runbook found under the runbooks directory, rendered.</summary>
/// <param name="Path">Its path under the runbooks directory (the route after <c>/runbooks/</c>).</param>
/// <param name="Source">Where it lives, as people find it in the repository (relative to the content root when inside it).</param>
public sealed record RunbookDocument(string Path, string Source, string Title, string Html);

/// <summary>
/// The runbooks the console serves at <c>/runbooks/{path}</c>: Markdown files under <c>Alerts:RunbookDirectory</c>
/// (default <c>docs/runbooks</c> in the content root), read on each request so an edit shows at the next load. Only a
/// <see cref="RunbookPaths"/> name that stays inside the directory (also after following symbolic links) is read;
/// every other request is "not found", never an error.
/// </summary>
public sealed partial class RunbookLibrary(IOptions<RunbookOptions> options, IHostEnvironment environment, ILogger<RunbookLibrary> logger)
{
    // A runbook is a page of prose; a bigger file is not one.
    private const long MaxBytes = 1024 * 1024;

    private readonly string _contentRoot = Path.GetFullPath(environment.ContentRootPath);

    /// <summary>The directory's full path.</summary>
    public string Directory => Path.GetFullPath(Path.Combine(_contentRoot, options.Value.RunbookDirectory));

    /// <summary>
    /// The runbook, or null. Synchronous on purpose: the page reads it while rendering, so the circuit's first render
    /// already has the text the prerendered page showed (no blank flash, and the browser stays at the #section).
    /// </summary>
    public RunbookDocument? Find(string? path)
    {
        if (RunbookPaths.Normalize(path) is not { } normalized)
        {
            return null;
        }

        var root = Directory;
        var file = Path.GetFullPath(Path.Combine(root, normalized));
        if (!IsInside(root, file))
        {
            return null;
        }

        try
        {
            var info = new FileInfo(file);
            if (!info.Exists || info.Length > MaxBytes || !LinksStayInside(root, file))
            {
                return null;
            }

            var text = File.ReadAllText(file);
            var rendered = RunbookMarkdown.Render(text, normalized, Path.GetFileNameWithoutExtension(file));
            return new RunbookDocument(normalized, Source(file), rendered.Title, rendered.Html);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(ex, file);
            return null;
        }
    }

    private string Source(string file)
    {
        var relative = Path.GetRelativePath(_contentRoot, file);
        return IsInside(_contentRoot, file) ? relative.Replace('\\', '/') : file;
    }

    private static bool IsInside(string root, string path) =>
        path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>No symbolic link between the directory and the file (the file included) leads outside the directory.</summary>
    private static bool LinksStayInside(string root, string file)
    {
        for (var path = file; path.Length > root.Length && IsInside(root, path); path = Path.GetDirectoryName(path)!)
        {
            FileSystemInfo info = path == file ? new FileInfo(path) : new DirectoryInfo(path);
            if (info.LinkTarget is not null && (info.ResolveLinkTarget(returnFinalTarget: true)?.FullName is not { } target || !IsInside(root, target)))
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runbook {File} cannot be read")]
    private partial void LogUnreadable(Exception exception, string file);
}
