namespace OpsConsole.Core.Operations;

/// <summary>
/// The <see cref="IOperationContext"/> of one run: buffers log lines and the latest progress in memory (a step may log
/// thousands of lines a second) until the runner's next flush writes and announces them.
/// </summary>
internal sealed class RunningOperation : IOperationContext, IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<StoredOperationLogLine> _pending = [];
    private readonly CancellationTokenSource _cancel;
    private readonly TimeProvider _time;
    private int _seq;
    private double? _progress;
    private string? _step;
    private bool _progressChanged;

    public RunningOperation(Guid id, string target, int loggedLines, CancellationToken stopping, TimeProvider time)
    {
        OperationId = id;
        Target = target;
        _seq = loggedLines;
        _time = time;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public Guid OperationId { get; }

    public string Target { get; }

    public CancellationToken Cancellation => _cancel.Token;

    /// <summary>Someone cancelled it (as opposed to the console stopping).</summary>
    public bool CancelRequested { get; private set; }

    /// <summary>Why the run was stopped by the layer itself (e.g. it lost the connection holding its lock).</summary>
    public string? AbortReason { get; private set; }

    public void Log(string line, OperationLogLevel level = OperationLogLevel.Info)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_lock)
        {
            if (_seq > OperationLimits.MaxLogLines)
            {
                return;
            }

            _seq++;
            var text = _seq > OperationLimits.MaxLogLines
                ? $"… the log stops here: more than {OperationLimits.MaxLogLines} lines."
                : line.Length > OperationLimits.LineLength ? line[..OperationLimits.LineLength] : line;
            _pending.Add(new StoredOperationLogLine { OperationId = OperationId, Seq = _seq, At = _time.GetUtcNow(), Level = level, Text = text });
        }
    }

    public void Progress(double? fraction, string step)
    {
        lock (_lock)
        {
            _progress = fraction is { } f ? Math.Clamp(f, 0, 1) : null;
            _step = step.Length > OperationLimits.TitleLength ? step[..OperationLimits.TitleLength] : step;
            _progressChanged = true;
        }
    }

    public void RequestCancel()
    {
        CancelRequested = true;
        _cancel.Cancel();
    }

    public void Abort(string reason)
    {
        AbortReason ??= reason;
        _cancel.Cancel();
    }

    /// <summary>What is new since the last call: log lines, and the progress when it changed.</summary>
    public (IReadOnlyList<StoredOperationLogLine> Lines, bool ProgressChanged, double? Progress, string? Step, int LastSeq) Take()
    {
        lock (_lock)
        {
            var lines = _pending.ToArray();
            _pending.Clear();
            var changed = _progressChanged;
            _progressChanged = false;
            return (lines, changed, _progress, _step, Math.Min(_seq, OperationLimits.MaxLogLines + 1));
        }
    }

    /// <summary>Puts lines that could not be written back in front, so a failed flush loses nothing.</summary>
    public void Restore(IReadOnlyList<StoredOperationLogLine> lines, bool progressChanged)
    {
        lock (_lock)
        {
            _pending.InsertRange(0, lines);
            _progressChanged |= progressChanged;
        }
    }

    public void Dispose() => _cancel.Dispose();
}
