export const id = 533;
export const ids = [533];
export const modules = {

/***/ 7533:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

;// CONCATENATED MODULE: ./actions/build-image/inputs.ts
function getInputs() {
    return {};
}

// EXTERNAL MODULE: ./shared/action/not-built.ts
var not_built = __webpack_require__(969);
;// CONCATENATED MODULE: ./actions/build-image/main.ts


async function run() {
    getInputs();
    (0,not_built/* notBuiltYet */.M)('build-image');
}


/***/ }),

/***/ 969:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   M: () => (/* binding */ notBuiltYet)
/* harmony export */ });
/** An action whose behaviour is not built yet says so and fails; it never pretends to succeed. */
function notBuiltYet(action) {
    throw new Error(`${action}: inputs are valid, but this action's behaviour is not built yet in this version of ai-deploy.`);
}


/***/ })

};
