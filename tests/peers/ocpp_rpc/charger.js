#!/usr/bin/env node
// An independent OCPP conformance peer for evgw: a charger built on the npm package
// `ocpp-rpc` (RPCClient) in strictMode, so every call and response, in both directions,
// is validated with ajv against the official OCPP JSON schemas bundled with ocpp-rpc.
//
// Usage: node charger.js <ws-url> <identity> <ocpp1.6|ocpp2.0.1> <scenario>
//   <ws-url>    either the endpoint (ws://host:port/ocpp) or the full URL ending in
//               /<identity> (ws://host:port/ocpp/station-01)
//   <scenario>  session | blocked | remote | badframes | signcert
//               (signcert: SignCertificate with the PEM CSR in $PEER_CSR, then waits for
//               CertificateSigned and prints its request as step server:CertificateSigned)
//
// Output: one JSON line per step ({"step", "request", "response"}), CSMS-initiated calls
// as {"step": "server:<Action>", ...}, then {"ok": true} or {"ok": false, "error": ...}.
// Exit code 0 only on success. Any strictValidationFailure, any CALLERROR to a valid
// call, any non-conforming frame from the server ("badMessage") or the overall timeout
// fails the run.

import { RPCClient, createRPCError } from 'ocpp-rpc';
import { randomUUID } from 'node:crypto';

const OVERALL_TIMEOUT_MS = Number(process.env.PEER_TIMEOUT_MS || 20000);
const WAIT_SERVER_CALL_MS = Number(process.env.PEER_WAIT_MS || 15000);
const T0 = Date.parse('2026-11-21T08:00:00Z'); // the tests' FakeClock start

const at = (seconds) => new Date(T0 + seconds * 1000).toISOString();
let finished = false; // once the final line is out, nothing else is printed
const emit = (obj) => {
    if (!finished) process.stdout.write(JSON.stringify(obj) + '\n');
};

class PeerFailure extends Error {}

function fail(message) {
    throw new PeerFailure(message);
}

function expectEqual(actual, expected, what) {
    if (actual !== expected) {
        fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
}

const [url, identity, protocol, scenario] = process.argv.slice(2);
if (!url || !identity || !['ocpp1.6', 'ocpp2.0.1'].includes(protocol) || !scenario) {
    emit({ ok: false, error: 'usage: charger.js <ws-url> <identity> <ocpp1.6|ocpp2.0.1> '
        + '<session|blocked|remote|badframes|signcert>' });
    process.exit(2);
}
const suffix = '/' + encodeURIComponent(identity);
const endpoint = url.endsWith(suffix) ? url.slice(0, -suffix.length) : url.replace(/\/$/, '');

const client = new RPCClient({
    endpoint,
    identity,
    protocols: [protocol],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 10000,
    respondWithDetailedErrors: false,
});

// --- failure detection ------------------------------------------------------------------

const problems = [];
let failNow; // rejects the running scenario at once
const failed = new Promise((_, reject) => { failNow = reject; });
failed.catch(() => {});

function problem(message) {
    problems.push(message);
    failNow(new PeerFailure(message));
}

client.on('strictValidationFailure', (event) => {
    const direction = event.outbound ? 'outbound (ours)' : 'inbound (server)';
    const kind = event.isCall ? 'CALL' : 'CALLRESULT';
    problem(`strictValidationFailure on ${direction} ${kind} ${event.method}: `
        + `${event.error && event.error.message} `
        + JSON.stringify({ details: event.error && event.error.details, params: event.params,
                           result: event.result }));
});

// Frames from the server that the RPC framework cannot place. During `badframes` the
// CALLERRORs answering our raw frames are expected (their ids are not pending calls).
const expectedStrayIds = new Set();
let expectAnyStrayError = false;
client.on('badMessage', ({ buffer, error }) => {
    const text = buffer.toString('utf8');
    let frame = null;
    try { frame = JSON.parse(text); } catch { /* reported below */ }
    if (Array.isArray(frame) && frame[0] === 4
        && (expectedStrayIds.has(frame[1]) || expectAnyStrayError)) {
        return;
    }
    problem(`non-conforming frame from server (${error && error.message}): ${text}`);
});

client.on('close', ({ code, reason }) => {
    if (!closing) problem(`connection closed by server: ${code} ${reason}`);
});

// Raw inbound frames, for badframes.
const inbound = [];
const inboundWaiters = [];
client.on('message', ({ message, outbound }) => {
    if (outbound) return;
    let frame;
    try { frame = JSON.parse(message); } catch { frame = message; }
    inbound.push(frame);
    for (const waiter of [...inboundWaiters]) waiter();
});

function nextInbound(predicate, what, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
        const check = () => {
            const index = inbound.findIndex(predicate);
            if (index >= 0) {
                const [frame] = inbound.splice(index, 1);
                cleanup();
                resolve(frame);
            }
        };
        const timer = setTimeout(() => {
            cleanup();
            reject(new PeerFailure(`no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
            clearTimeout(timer);
            const i = inboundWaiters.indexOf(check);
            if (i >= 0) inboundWaiters.splice(i, 1);
        };
        inboundWaiters.push(check);
        check();
    });
}

// --- calls and CSMS-initiated calls -----------------------------------------------------

async function call(method, params, label = method) {
    let response;
    try {
        response = await Promise.race([client.call(method, params), failed]);
    } catch (err) {
        emit({ step: label, request: params, error: describe(err) });
        if (err instanceof PeerFailure) throw err;
        fail(`${label}: ${describe(err)}`);
    }
    emit({ step: label, request: params, response });
    return response;
}

function describe(err) {
    if (!err) return String(err);
    const code = err.rpcErrorCode ? `${err.rpcErrorCode}: ` : '';
    const details = err.details && Object.keys(err.details).length
        ? ' ' + JSON.stringify(err.details) : '';
    return `${code}${err.message}${details}`;
}

// A CSMS-initiated call: resolves with {params, sent} once our reply has gone out.
function serverCall(method, reply) {
    let resolveCall;
    const received = new Promise((resolve) => { resolveCall = resolve; });
    client.handle(method, ({ params, messageId }) => {
        const result = reply(params);
        const sent = new Promise((resolve) => {
            const onResponse = ({ outbound, payload }) => {
                if (outbound && payload[1] === messageId) {
                    client.off('response', onResponse);
                    resolve();
                }
            };
            client.on('response', onResponse);
        });
        emit({ step: `server:${method}`, request: params, response: result });
        resolveCall({ params, sent });
        return result;
    });
    return async () => {
        let timer;
        const timeout = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new PeerFailure(
                `the server did not send ${method} within ${WAIT_SERVER_CALL_MS} ms`)),
            WAIT_SERVER_CALL_MS);
        });
        try {
            const got = await Promise.race([received, failed, timeout]);
            await Promise.race([got.sent, failed, timeout]);
            return got.params;
        } finally {
            clearTimeout(timer);
        }
    };
}

// Anything else the server sends is validated by strict mode (before the handler runs),
// recorded, and refused as NotSupported.
client.handle(({ method, params }) => {
    emit({ step: `server:${method}`, request: params, response: 'NotSupported' });
    throw createRPCError('NotSupported', `the peer does not support ${method}`);
});

// --- OCPP 1.6 scenarios -------------------------------------------------------------------

const TOKEN = 'DEMO-RFID-1';
const BLOCKED = 'DEMO-RFID-BLOCKED';

async function boot16() {
    const boot = await call('BootNotification', {
        chargePointVendor: 'ocpp-rpc', chargePointModel: 'StrictPeer',
        chargePointSerialNumber: 'RPC-SN-16', firmwareVersion: '2.2.1',
    });
    expectEqual(boot.status, 'Accepted', 'BootNotification.status');
    return boot;
}

async function status16(connectorId, status, seconds) {
    await call('StatusNotification', {
        connectorId, errorCode: 'NoError', status, timestamp: at(seconds),
    }, `StatusNotification:${connectorId}:${status}`);
}

function energy16(value, context, seconds) {
    return {
        timestamp: at(seconds),
        sampledValue: [{
            value: String(value), context, format: 'Raw',
            measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh',
        }],
    };
}

async function start16(connectorId, idTag, meterStart, seconds) {
    const start = await call('StartTransaction', {
        connectorId, idTag, meterStart, timestamp: at(seconds),
    });
    expectEqual(start.idTagInfo.status, 'Accepted', 'StartTransaction.idTagInfo.status');
    if (!Number.isInteger(start.transactionId) || start.transactionId <= 0) {
        fail(`StartTransaction.transactionId is not a positive integer: ${start.transactionId}`);
    }
    return start.transactionId;
}

async function meter16(connectorId, transactionId, wh, seconds) {
    await call('MeterValues', {
        connectorId, transactionId,
        meterValue: [energy16(wh, 'Sample.Periodic', seconds)],
    });
}

async function stop16(transactionId, idTag, meterStop, reason, seconds) {
    const stop = await call('StopTransaction', {
        transactionId, idTag, meterStop, reason, timestamp: at(seconds),
        transactionData: [energy16(meterStop, 'Transaction.End', seconds)],
    });
    if (stop.idTagInfo) {
        expectEqual(stop.idTagInfo.status, 'Accepted', 'StopTransaction.idTagInfo.status');
    }
}

const scenarios16 = {
    async session() {
        await boot16();
        await call('Heartbeat', {});
        await status16(0, 'Available', 1);
        await status16(1, 'Preparing', 2);
        const auth = await call('Authorize', { idTag: TOKEN });
        expectEqual(auth.idTagInfo.status, 'Accepted', 'Authorize.idTagInfo.status');
        const tx = await start16(1, TOKEN, 1000, 10);
        await status16(1, 'Charging', 11);
        await meter16(1, tx, 3500, 1800);
        await stop16(tx, TOKEN, 6000, 'Local', 3600);
        await status16(1, 'Finishing', 3601);
        emit({ step: 'summary', transactionId: tx, meterStart: 1000, meterStop: 6000 });
    },
    async blocked() {
        await boot16();
        const auth = await call('Authorize', { idTag: BLOCKED });
        expectEqual(auth.idTagInfo.status, 'Blocked', 'Authorize.idTagInfo.status');
    },
    async remote() {
        const waitStart = serverCall('RemoteStartTransaction', () => ({ status: 'Accepted' }));
        const waitStop = serverCall('RemoteStopTransaction', () => ({ status: 'Accepted' }));
        await boot16();
        await status16(0, 'Available', 1);
        await status16(1, 'Available', 2);
        emit({ step: 'ready' });
        const request = await waitStart();
        const connectorId = request.connectorId ?? 1;
        await status16(connectorId, 'Preparing', 5);
        const tx = await start16(connectorId, request.idTag, 1000, 10);
        await status16(connectorId, 'Charging', 11);
        await meter16(connectorId, tx, 3500, 1800);
        const stopRequest = await waitStop();
        expectEqual(stopRequest.transactionId, tx, 'RemoteStopTransaction.transactionId');
        await stop16(tx, request.idTag, 6000, 'Remote', 3600);
        await status16(connectorId, 'Finishing', 3601);
        emit({ step: 'summary', transactionId: tx, meterStart: 1000, meterStop: 6000 });
    },
};

// --- OCPP 2.0.1 scenarios -----------------------------------------------------------------

const EVSE = 1;
const CONNECTOR = 1;

async function boot201() {
    const boot = await call('BootNotification', {
        reason: 'PowerUp',
        chargingStation: { vendorName: 'ocpp-rpc', model: 'StrictPeer',
                           serialNumber: 'RPC-SN-201', firmwareVersion: '2.2.1' },
    });
    expectEqual(boot.status, 'Accepted', 'BootNotification.status');
    return boot;
}

async function status201(connectorStatus, seconds) {
    await call('StatusNotification', {
        timestamp: at(seconds), connectorStatus, evseId: EVSE, connectorId: CONNECTOR,
    }, `StatusNotification:${EVSE}/${CONNECTOR}:${connectorStatus}`);
}

function energy201(value, context, seconds) {
    return [{
        timestamp: at(seconds),
        sampledValue: [{
            value, context, measurand: 'Energy.Active.Import.Register', location: 'Outlet',
            unitOfMeasure: { unit: 'Wh', multiplier: 0 },
        }],
    }];
}

async function transactionEvent(eventType, params) {
    const response = await call('TransactionEvent', { eventType, ...params },
        `TransactionEvent:${eventType}`);
    if (params.idToken) {
        if (!response.idTokenInfo) fail(`TransactionEvent ${eventType}: no idTokenInfo`);
        expectEqual(response.idTokenInfo.status, 'Accepted',
            `TransactionEvent ${eventType} idTokenInfo.status`);
    }
    return response;
}

async function transaction201({ idToken, remoteStartId, startTrigger, waitStop }) {
    const transactionId = `rpc-${randomUUID()}`.slice(0, 36);
    const info = { transactionId, chargingState: 'Charging' };
    if (remoteStartId !== undefined) info.remoteStartId = remoteStartId;
    await transactionEvent('Started', {
        timestamp: at(10), triggerReason: startTrigger, seqNo: 0, transactionInfo: info,
        idToken, evse: { id: EVSE, connectorId: CONNECTOR },
        meterValue: energy201(1000, 'Transaction.Begin', 10),
    });
    await transactionEvent('Updated', {
        timestamp: at(1800), triggerReason: 'MeterValuePeriodic', seqNo: 1,
        transactionInfo: { transactionId, chargingState: 'Charging' },
        meterValue: energy201(3500, 'Sample.Periodic', 1800),
    });
    let stoppedReason = 'Local';
    let trigger = 'StopAuthorized';
    if (waitStop) {
        const stopRequest = await waitStop();
        expectEqual(stopRequest.transactionId, transactionId,
            'RequestStopTransaction.transactionId');
        stoppedReason = 'Remote';
        trigger = 'RemoteStop';
    }
    await transactionEvent('Ended', {
        timestamp: at(3600), triggerReason: trigger, seqNo: 2,
        transactionInfo: { transactionId, chargingState: 'EVConnected', stoppedReason },
        ...(waitStop ? {} : { idToken }),
        meterValue: energy201(6000, 'Transaction.End', 3600),
    });
    emit({ step: 'summary', transactionId, meterStart: 1000, meterStop: 6000 });
    return transactionId;
}

const scenarios201 = {
    async session() {
        await boot201();
        await call('Heartbeat', {});
        await status201('Available', 1);
        const idToken = { idToken: TOKEN, type: 'ISO14443' };
        const auth = await call('Authorize', { idToken });
        expectEqual(auth.idTokenInfo.status, 'Accepted', 'Authorize.idTokenInfo.status');
        await status201('Occupied', 5);
        await transaction201({ idToken, startTrigger: 'Authorized' });
        await status201('Available', 3601);
    },
    async blocked() {
        await boot201();
        const auth = await call('Authorize', { idToken: { idToken: BLOCKED, type: 'ISO14443' } });
        expectEqual(auth.idTokenInfo.status, 'Blocked', 'Authorize.idTokenInfo.status');
    },
    async remote() {
        const waitStart = serverCall('RequestStartTransaction', () => ({ status: 'Accepted' }));
        const waitStop = serverCall('RequestStopTransaction', () => ({ status: 'Accepted' }));
        await boot201();
        await status201('Available', 1);
        emit({ step: 'ready' });
        const request = await waitStart();
        if (request.evseId !== undefined) expectEqual(request.evseId, EVSE, 'evseId');
        await status201('Occupied', 5);
        await transaction201({
            idToken: request.idToken, remoteStartId: request.remoteStartId,
            startTrigger: 'RemoteStart', waitStop,
        });
        await status201('Available', 3601);
    },
};

// --- malformed frames (both versions) ---------------------------------------------------------

// ocpp-rpc refuses to send these through call(): strict mode has no schema for an unknown
// action and JSON.stringify cannot produce invalid JSON, so they go out with sendRaw and
// the server's CALLERROR (an id ocpp-rpc is not waiting for) is read from the raw
// 'message' events.
async function badframes() {
    const expected = protocol === 'ocpp1.6'
        ? { invalidJson: 'FormationViolation', unknownAction: 'NotImplemented' }
        : { invalidJson: 'FormatViolation', unknownAction: 'NotImplemented' };
    if (protocol === 'ocpp1.6') await boot16(); else await boot201();

    expectAnyStrayError = true;
    const garbage = '[2, "rpc-bad-json", "Heartbeat", {';
    client.sendRaw(garbage);
    const reply1 = await nextInbound((f) => Array.isArray(f) && f[0] === 4,
        'CALLERROR for invalid JSON');
    emit({ step: 'raw:invalid-json', request: garbage, response: reply1 });
    expectEqual(reply1[2], expected.invalidJson, 'CALLERROR code for invalid JSON');
    expectAnyStrayError = false;

    const id = `rpc-${randomUUID()}`.slice(0, 36);
    expectedStrayIds.add(id);
    const unknown = JSON.stringify([2, id, 'FlyToTheMoon', {}]);
    client.sendRaw(unknown);
    const reply2 = await nextInbound((f) => Array.isArray(f) && f[0] === 4 && f[1] === id,
        'CALLERROR for an unknown action');
    emit({ step: 'raw:unknown-action', request: unknown, response: reply2 });
    expectEqual(reply2[2], expected.unknownAction, 'CALLERROR code for an unknown action');
    for (const reply of [reply1, reply2]) {
        if (reply.length !== 5 || typeof reply[3] !== 'string'
            || typeof reply[4] !== 'object' || reply[4] === null || Array.isArray(reply[4])) {
            fail(`CALLERROR is not [4, id, code, description, {details}]: ${JSON.stringify(reply)}`);
        }
    }

    // The connection must survive both.
    await call('Heartbeat', {}, 'Heartbeat:after-bad-frames');
}

// --- SignCertificate → CertificateSigned (both versions) ----------------------------------------

async function signcert() {
    const csr = process.env.PEER_CSR;
    if (!csr) fail('signcert needs the CSR (PEM) in $PEER_CSR');
    const waitSigned = serverCall('CertificateSigned', () => ({ status: 'Accepted' }));
    if (protocol === 'ocpp1.6') await boot16(); else await boot201();
    const params = protocol === 'ocpp1.6'
        ? { csr } : { csr, certificateType: 'ChargingStationCertificate' };
    const answer = await call('SignCertificate', params);
    expectEqual(answer.status, 'Accepted', 'SignCertificate.status');
    const signed = await waitSigned();
    if (!String(signed.certificateChain).includes('-----BEGIN CERTIFICATE-----')) {
        fail('CertificateSigned.certificateChain holds no PEM certificate');
    }
}

// --- main --------------------------------------------------------------------------------------

let closing = false;

async function main() {
    const table = protocol === 'ocpp1.6' ? scenarios16 : scenarios201;
    const shared = { badframes, signcert };
    const run = shared[scenario] || table[scenario];
    if (!run) fail(`unknown scenario ${scenario}`);
    try {
        await client.connect();
    } catch (err) {
        fail(`connect to ${endpoint}/${identity} (${protocol}) failed: ${describe(err)}`);
    }
    emit({ step: 'connected', protocol: client.protocol });
    if (client.protocol !== protocol) {
        fail(`server chose subprotocol ${client.protocol}, expected ${protocol}`);
    }
    await Promise.race([run(), failed]);
    // Let anything still in flight (e.g. a late server frame) be validated before closing.
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (problems.length) fail(problems[0]);
}

const overall = setTimeout(() => {
    finish({ ok: false, error: `overall timeout of ${OVERALL_TIMEOUT_MS} ms` }, 1);
}, OVERALL_TIMEOUT_MS);

async function finish(result, code) {
    if (finished) return;
    clearTimeout(overall);
    closing = true;
    emit(result);
    finished = true;
    try {
        await Promise.race([
            client.close({ code: 1000, force: code !== 0 }),
            new Promise((resolve) => setTimeout(resolve, 2000)),
        ]);
    } catch { /* closing anyway */ }
    process.exit(code);
}

main().then(
    () => finish({ ok: true }, 0),
    (err) => finish({ ok: false, error: err instanceof Error ? err.message : String(err) }, 1),
);
