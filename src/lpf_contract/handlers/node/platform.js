'use strict';
// The platform's facts (limits, error codes, LivePerson's own domains, modules and toolbelt per runtime)
// from lpf_contract/core/platform.json: the one file the Python side reads too, each fact with its
// LivePerson source. The path is relative to this file; the wheel ships both (package data).
const fs = require('fs');
const path = require('path');

module.exports = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'core', 'platform.json'), 'utf8'));
