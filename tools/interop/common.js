// What the interoperability Central Systems (tools/interop/*/server.js) share: the command
// line, the JSON-line events on stdout, the calls read from stdin, and the answers every one
// of them gives to the station's calls. Node's own modules only: each server.js brings its
// implementation from its own package-lock.json.
//
//   node tools/interop/NAME/server.js [--heartbeat S]
//
// stdout: one JSON object per line --
//   {"event":"listening","port":N}                                   on 127.0.0.1
//   {"event":"connected","identity":"CP001",...}
//   {"event":"call","action":"StartTransaction","params":{...},"answer":{...}}
//                                                  a call from the station and our answer
//   {"event":"result","action":"GetConfiguration","result":{...}}  answer to a call of ours
//   {"event":"callError","action":"...","error":"..."}             our call failed
//   {"event":"rejected","action":"...","error":"..."}   the implementation answered one of
//                              the station's calls with a CALLERROR (its schemas refused it)
//   {"event":"validationFailure","action":"...","error":"..."}   the implementation's
//                              schemas refused the station's answer to one of our calls
//   {"event":"disconnected",...}
// stdin: one call to send to the connected station per line, `ACTION {json params}`,
// e.g. `RemoteStartTransaction {"idTag":"ABC","connectorId":1}`; end of input stops.
'use strict';

const readline = require('readline');

function option(name, fallback) {
    const at = process.argv.indexOf('--' + name);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function emit(event) {
    process.stdout.write(JSON.stringify(event) + '\n');
}

function describe(error) {
    if (!error || typeof error !== 'object') return String(error);
    const fields = {};
    for (const name of ['code', 'errorCode', 'errorDescription', 'details', 'errorDetails']) {
        if (error[name] !== undefined) fields[name] = error[name];
    }
    const more = Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
    return String(error.message || error.name || error) + more;
}

/** Answers to the station's calls by action; transaction ids count from firstTransactionId,
 *  so a test can tell the ids this Central System gave from any other. */
function answers(heartbeatS, firstTransactionId) {
    let nextTransactionId = firstTransactionId;
    const now = () => new Date().toISOString();
    const accepted = () => ({ idTagInfo: { status: 'Accepted' } });
    return {
        BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: heartbeatS }),
        Heartbeat: () => ({ currentTime: now() }),
        StatusNotification: () => ({}),
        Authorize: accepted,
        StartTransaction: () => ({ transactionId: nextTransactionId++, ...accepted() }),
        MeterValues: () => ({}),
        StopTransaction: accepted,
    };
}

/** Sends each stdin line's call with send(action, params), a promise of the station's
 *  answer; at the end of input, close() and exit. */
function serveCalls(send, close) {
    readline.createInterface({ input: process.stdin }).on('line', async (line) => {
        const text = line.trim();
        if (!text) return;
        const space = text.indexOf(' ');
        const action = space < 0 ? text : text.slice(0, space);
        let params = {};
        try {
            if (space >= 0) params = JSON.parse(text.slice(space + 1));
        } catch (error) {
            emit({ event: 'callError', action, error: 'bad JSON: ' + error.message });
            return;
        }
        try {
            emit({ event: 'result', action, result: await send(action, params) });
        } catch (error) {
            emit({ event: 'callError', action, error: describe(error) });
        }
    }).on('close', () => {
        // A Central System that does not close within a second is not waited for.
        const late = new Promise((resolve) => setTimeout(resolve, 1000).unref());
        Promise.race([Promise.resolve().then(close), late]).finally(() => process.exit(0));
    });
}

module.exports = { option, emit, describe, answers, serveCalls };
