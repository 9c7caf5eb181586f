using System.Globalization;
using System.Net.Http.Json;
using System.Threading.RateLimiting;
using SampleShop.Hosting;

namespace SampleShop.Traffic;

/// <summary>
/// Sends <see cref="TrafficPlan"/> requests with two hard bounds that hold whatever the server does: at most
/// <see cref="TrafficOptions.MaxConcurrency"/> in flight (steady requests are skipped, not queued, when all slots are
/// busy) and at most <see cref="TrafficOptions.MaxRequestsPerSecond"/> started per second.
/// </summary>
public sealed class TrafficGenerator : IDisposable
{
    private readonly HttpClient _http;
    private readonly TrafficOptions _options;
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private readonly SemaphoreSlim _slots;
    private readonly TokenBucketRateLimiter _starts;
    private int _inFlight;
    private long _sent;

    /// <summary>Session tokens by customer, reused until shortly before they expire (so tokens of a retired key keep being sent).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, (string Token, DateTimeOffset ExpiresAt)> _sessions = new();
    private readonly bool _withSessions;

    public TrafficGenerator(HttpClient http, TrafficOptions options, Random random, bool withSessions = false)
    {
        _withSessions = withSessions;
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        _http = http;
        _options = options;
        _random = random;
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        // Tokens every 100 ms rather than once a second, so the ceiling is smooth; waiters each hold a slot, so the queue is bounded too.
        var perTick = Math.Max(1, (int)Math.Ceiling(options.MaxRequestsPerSecond / 10.0));
        _starts = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perTick,
            TokensPerPeriod = perTick,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = options.MaxConcurrency,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Requests that got a response (any status).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Steady load: starts one request if a slot is free; false (and counted as skipped) when all are busy.</summary>
    public bool TryStartOne(CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0, CancellationToken.None))
        {
            ShopMetrics.TrafficSkipped.Inc();
            return false;
        }

        _ = SendOneAsync(cancellationToken);
        return true;
    }

    /// <summary>A burst: <paramref name="count"/> requests as fast as the slots and the start ceiling allow.</summary>
    public async Task RunBurstAsync(int count, CancellationToken cancellationToken)
    {
        var requests = new List<Task>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await _slots.WaitAsync(cancellationToken);
                requests.Add(SendOneAsync(cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the burst ends early; the requests already started finish below.
        }

        await Task.WhenAll(requests);
    }

    /// <summary>Waits until every request in flight has finished (they observe the stopping token), up to the timeout.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var taken = 0;
        try
        {
            for (; taken < _options.MaxConcurrency; taken++)
            {
                await _slots.WaitAsync(cts.Token);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            if (taken > 0)
            {
                _slots.Release(taken);
            }
        }
    }

    /// <summary>The caller holds a slot; this releases it.</summary>
    private async Task SendOneAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            using var lease = await _starts.AcquireAsync(1, cancellationToken);
            if (!lease.IsAcquired)
            {
                ShopMetrics.TrafficSkipped.Inc();
                return;
            }

            TrafficRequest next;
            lock (_randomGate)
            {
                next = TrafficPlan.Next(_random, _withSessions);
            }

            next = WithSession(next);
            using var request = new HttpRequestMessage(next.Method, new Uri(next.Path, UriKind.Relative));
            if (next.Body is not null)
            {
                request.Content = JsonContent.Create(next.Body);
            }
            else if (next.Session == SessionStep.SignIn)
            {
                request.Content = JsonContent.Create(new { customerId = next.CustomerId });
            }
            else if (next.Session == SessionStep.AsCustomer)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _sessions[next.CustomerId!.Value].Token);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            Interlocked.Increment(ref _sent);
            ShopMetrics.TrafficRequests.WithLabels(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)).Inc();
            if (next.Session == SessionStep.SignIn && response.IsSuccessStatusCode
                && await response.Content.ReadFromJsonAsync<Sessions.SessionResponse>(timeout.Token) is { } session)
            {
                _sessions[next.CustomerId!.Value] = (session.Token, session.ExpiresAt);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (OperationCanceledException)
        {
            ShopMetrics.TrafficRequests.WithLabels("timeout").Inc();
        }
        catch (HttpRequestException)
        {
            ShopMetrics.TrafficRequests.WithLabels("error").Inc();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _slots.Release();
        }
    }

    /// <summary>A call as a customer without a live session signs them in instead.</summary>
    private TrafficRequest WithSession(TrafficRequest next) =>
        next.Session == SessionStep.AsCustomer
        && (!_sessions.TryGetValue(next.CustomerId!.Value, out var session) || session.ExpiresAt < DateTimeOffset.UtcNow.AddMinutes(1))
            ? new TrafficRequest(HttpMethod.Post, "/api/sessions", Session: SessionStep.SignIn, CustomerId: next.CustomerId)
            : next;

    public void Dispose()
    {
        _starts.Dispose();
        _slots.Dispose();
    }
}
