namespace OpsConsole.Core.Live;

/// <summary>
/// Coalesces bursts of change signals into at most one callback per <c>minimumInterval</c>: the first signal runs
/// promptly, later ones collapse into a single trailing run at (last run start + interval). Never runs the callback
/// concurrently and never after <see cref="Dispose"/> (a run already in progress is allowed to finish).
/// </summary>
public sealed class LiveThrottle : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _minimumInterval;
    private readonly Func<Task> _callback;
    private readonly Action<Exception>? _onError;
    private readonly TimeProvider _timeProvider;
    private readonly ITimer _timer;
    private DateTimeOffset? _lastRunStart;
    private bool _queued;           // a run is scheduled (timer/thread pool) or owed after the current run
    private bool _runAfterCurrent;  // the owed run must be scheduled when the current run completes
    private bool _running;
    private bool _disposed;

    /// <param name="onError">Receives callback exceptions; without it they are swallowed so the throttle keeps working.</param>
    public LiveThrottle(TimeSpan minimumInterval, Func<Task> callback, TimeProvider? timeProvider = null, Action<Exception>? onError = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumInterval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(callback);
        _minimumInterval = minimumInterval;
        _callback = callback;
        _onError = onError;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _timer = _timeProvider.CreateTimer(static s => _ = ((LiveThrottle)s!).RunAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True while a run is scheduled or executing; lets tests assert quiescence without sleeping.</summary>
    internal bool IsBusy
    {
        get
        {
            lock (_gate)
            {
                return _queued || _running;
            }
        }
    }

    /// <summary>True while the callback is executing.</summary>
    internal bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>
    /// Requests a callback run. Signals that arrive while a run is already queued (including before the leading
    /// run has actually started) are absorbed by it, because that run will observe the latest state.
    /// </summary>
    public void Signal()
    {
        lock (_gate)
        {
            if (_disposed || _queued)
            {
                return; // drop-if-queued: the queued run will observe the latest state anyway
            }

            _queued = true;
            if (_running)
            {
                _runAfterCurrent = true;
                return;
            }

            ScheduleLocked();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _queued = false;
            _runAfterCurrent = false;
        }

        _timer.Dispose();
    }

    private void ScheduleLocked()
    {
        var delay = _lastRunStart is { } last ? last + _minimumInterval - _timeProvider.GetUtcNow() : TimeSpan.Zero;
        if (delay <= TimeSpan.Zero)
        {
            // Off the signaller's thread: Signal is called from bus reader loops and must stay cheap.
            _ = Task.Run(RunAsync);
        }
        else
        {
            _timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RunAsync()
    {
        lock (_gate)
        {
            if (_disposed || !_queued || _running)
            {
                return;
            }

            _queued = false;
            _running = true;
            _lastRunStart = _timeProvider.GetUtcNow();
        }

        try
        {
            await _callback();
        }
#pragma warning disable CA1031 // The callback's failure must not break future coalescing; it is reported via onError.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _onError?.Invoke(ex);
        }
        finally
        {
            lock (_gate)
            {
                _running = false;
                if (_runAfterCurrent && !_disposed)
                {
                    _runAfterCurrent = false;
                    ScheduleLocked();
                }
            }
        }
    }
}
