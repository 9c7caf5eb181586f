namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// FileSystemWatchers on the rule files' directories that call back on any change (create, write, rename, delete).
/// Editors that write a temp file and rename it, and mounts that raise no events, are caught by the manager's periodic
/// content hash instead.
/// </summary>
internal sealed class RuleFileWatcher(Action<string> changed) : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Lock _lock = new();

    /// <summary>Replaces the watched directories.</summary>
    public void Watch(IReadOnlyList<(string Directory, bool Recursive)> directories)
    {
        lock (_lock)
        {
            DisposeWatchers();
            foreach (var (directory, recursive) in directories)
            {
                try
                {
                    var watcher = new FileSystemWatcher(directory)
                    {
                        IncludeSubdirectories = recursive,
                        NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    };
                    watcher.Changed += (_, e) => changed(e.FullPath);
                    watcher.Created += (_, e) => changed(e.FullPath);
                    watcher.Deleted += (_, e) => changed(e.FullPath);
                    watcher.Renamed += (_, e) => changed(e.FullPath);
                    watcher.Error += (_, e) => changed($"watcher error: {e.GetException().Message}");
                    watcher.EnableRaisingEvents = true;
                    _watchers.Add(watcher);
                }
                catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
                {
                    // Out of inotify watches or an unreadable directory: the periodic hash check still sees changes.
                    changed($"cannot watch {directory}: {ex.Message}");
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            DisposeWatchers();
        }
    }

    private void DisposeWatchers()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
    }
}
