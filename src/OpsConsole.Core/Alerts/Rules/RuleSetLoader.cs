using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>An engine that can only check an expression by asking someone (a Prometheus server): checked when loading.</summary>
public interface IAsyncRuleExpressionValidator
{
    /// <summary>
    /// Throws <see cref="RuleExpressionException"/> for an expression the engine rejects; false when it could not check
    /// (the server is unreachable), so a load does not wait out the timeout once per rule.
    /// </summary>
    Task<bool> ValidateAsync(string expression, CancellationToken cancellationToken);
}

/// <summary>The outcome of one load: the new rule set, or the errors (and the files that were read, for the status).</summary>
public sealed record RuleLoadResult(RuleSet? RuleSet, IReadOnlyList<RuleLoadError> Errors, IReadOnlyList<string> Files, string Hash)
{
    public bool Succeeded => RuleSet is not null;

    /// <summary>The errors on one line each (at most 20, then how many more).</summary>
    public string? ErrorText => Errors.Count == 0 ? null
        : string.Join('\n', Errors.Take(20).Select(e => e.ToString())) + (Errors.Count > 20 ? $"\n… and {Errors.Count - 20} more" : "");
}

/// <summary>
/// Resolves <c>Alerts:RuleFiles</c> (paths or globs, relative to the content root) and loads every file into one rule
/// set: YAML and rule checks by <see cref="RuleFileParser"/>, expressions by the engine. All or nothing: any error in any
/// file and there is no rule set, only errors.
/// </summary>
public sealed class RuleSetLoader(string contentRoot)
{
    /// <summary>The files the patterns name now, in order (a pattern's matches sorted), each once; missing literal paths as errors.</summary>
    public (IReadOnlyList<(string Path, string Display)> Files, IReadOnlyList<RuleLoadError> Errors) Resolve(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var files = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var errors = new List<RuleLoadError>();
        foreach (var pattern in patterns.Where(p => !string.IsNullOrWhiteSpace(p)))
        {
            foreach (var path in Expand(pattern, errors))
            {
                if (seen.Add(path))
                {
                    files.Add((path, Display(path)));
                }
            }
        }

        return (files, errors);
    }

    /// <summary>The directories to watch for the patterns: each literal file's directory and each glob's fixed base.</summary>
    public IReadOnlyList<(string Directory, bool Recursive)> WatchedDirectories(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return [.. patterns.Where(p => !string.IsNullOrWhiteSpace(p))
            .Select(p => IsGlob(p) ? (SplitGlob(p).Base, SplitGlob(p).Pattern.Contains('/', StringComparison.Ordinal)) : (Path.GetDirectoryName(Absolute(p)) ?? contentRoot, false))
            .Where(d => Directory.Exists(d.Item1))
            .Distinct()];
    }

    public async Task<RuleLoadResult> LoadAsync(
        IReadOnlyList<string> patterns, TimeSpan defaultInterval, IRuleQueryEngine? engine, string? engineUnavailable, CancellationToken cancellationToken)
    {
        var (files, errors) = Resolve(patterns);
        var allErrors = new List<RuleLoadError>(errors);
        var groups = new List<RuleGroupDefinition>();
        var expressions = new List<(string File, RuleFileParser.ParsedExpression Expression)>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, display) in files)
        {
            string content;
            try
            {
                content = await File.ReadAllTextAsync(path, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                allErrors.Add(new RuleLoadError(display, 0, 0, null, null, $"cannot be read: {ex.Message}"));
                hash.AppendData(Encoding.UTF8.GetBytes(display + "\0unreadable\0"));
                continue;
            }

            hash.AppendData(Encoding.UTF8.GetBytes(display + "\0" + content + "\0"));
            var parsed = RuleFileParser.Parse(display, content, defaultInterval);
            allErrors.AddRange(parsed.Errors);
            groups.AddRange(parsed.Groups);
            expressions.AddRange(parsed.Expressions.Select(e => (display, e)));
        }

        foreach (var error in errors)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(error.File + "\0missing\0")); // as HashAsync, or a missing file would reload every check
        }

        var digest = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (expressions.Count > 0 && engine is null)
        {
            allErrors.Add(new RuleLoadError(string.Join(", ", files.Select(f => f.Display)), 0, 0, null, null,
                $"no engine can evaluate the rules: {engineUnavailable ?? "none is configured"}"));
        }
        else if (engine is not null)
        {
            var remoteAnswers = true;
            foreach (var (file, expression) in expressions)
            {
                var (error, answered) = await CheckAsync(engine, remoteAnswers, file, expression, cancellationToken);
                remoteAnswers &= answered;
                if (error is not null)
                {
                    allErrors.Add(error);
                }
            }
        }

        var names = files.Select(f => f.Display).ToList();
        return allErrors.Count > 0
            ? new RuleLoadResult(null, allErrors, names, digest)
            : new RuleLoadResult(new RuleSet(names, groups, digest), [], names, digest);
    }

    /// <summary>The SHA-256 the load computes, for the files the patterns name now (the periodic change check); keep the two in step.</summary>
    public async Task<string> HashAsync(IReadOnlyList<string> patterns, CancellationToken cancellationToken)
    {
        var (files, errors) = Resolve(patterns);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, display) in files)
        {
            try
            {
                hash.AppendData(Encoding.UTF8.GetBytes(display + "\0" + await File.ReadAllTextAsync(path, cancellationToken) + "\0"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(display + "\0unreadable\0"));
            }
        }

        foreach (var error in errors)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(error.File + "\0missing\0"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <returns>The error, if any, and whether a remote engine answered (once it does not, the rest are checked locally only).</returns>
    private static async Task<(RuleLoadError? Error, bool RemoteAnswered)> CheckAsync(
        IRuleQueryEngine engine, bool askRemote, string file, RuleFileParser.ParsedExpression parsed, CancellationToken cancellationToken)
    {
        try
        {
            engine.Validate(parsed.Rule.Expression);
            var answered = !askRemote || engine is not IAsyncRuleExpressionValidator remote
                || await remote.ValidateAsync(parsed.Rule.Expression, cancellationToken);
            return (null, askRemote && answered);
        }
        catch (RuleExpressionException ex)
        {
            var (line, column) = parsed.Position.Map(ex.Line, ex.Column);
            return (new RuleLoadError(file, line, column, parsed.Group, parsed.Rule.Name,
                $"expr: {ex.Message} (expression line {ex.Line}, column {ex.Column})"), askRemote);
        }
    }

    private IEnumerable<string> Expand(string pattern, List<RuleLoadError> errors)
    {
        if (!IsGlob(pattern))
        {
            var path = Absolute(pattern);
            if (!File.Exists(path))
            {
                errors.Add(new RuleLoadError(pattern, 0, 0, null, null,
                    $"file not found ({path}); Alerts:RuleFiles paths are relative to the content root {contentRoot}"));
                return [];
            }

            return [path];
        }

        var (root, relative) = SplitGlob(pattern);
        if (!Directory.Exists(root))
        {
            return []; // a glob that matches nothing is an empty rule set, as in Prometheus
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(relative);
        return matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(root))).Files
            .Select(f => Path.GetFullPath(Path.Combine(root, f.Path)))
            .Order(StringComparer.Ordinal);
    }

    private static bool IsGlob(string pattern) => pattern.IndexOfAny(['*', '?', '[', '{']) >= 0;

    /// <summary>"rules/**/*.yml" → (content root/rules, "**/*.yml"): the fixed directories before the first wildcard.</summary>
    private (string Base, string Pattern) SplitGlob(string pattern)
    {
        var absolute = Absolute(pattern).Replace('\\', '/');
        var segments = absolute.Split('/');
        var firstGlob = Array.FindIndex(segments, s => IsGlob(s));
        var root = string.Join('/', segments[..firstGlob]);
        return (root.Length == 0 ? "/" : root, string.Join('/', segments[firstGlob..]));
    }

    private string Absolute(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(contentRoot, path));

    private string Display(string path)
    {
        var relative = Path.GetRelativePath(contentRoot, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative.Replace('\\', '/');
    }
}
